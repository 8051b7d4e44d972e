// `skiff nanos list|path|add|clear`: the cached Nanos releases.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addRelease } from '../../nanos/add.js';
import { clearCachedRelease, listCachedReleases } from '../../nanos/cache.js';
import { resolveNanosRelease } from '../../nanos/release.js';
import { DEFAULT_NANOS_VERSION } from '../../nanos/version.js';
import type { CliContext } from '../context.js';
import { nanosDirOf } from '../nanos-dir.js';

type NanosPathFlags = Record<string, unknown> & {
  nanosDir?: string;
  offline?: boolean;
};

export function registerNanos(program: Command, ctx: CliContext): void {
  const nanos = program
    .command('nanos')
    .description('manage the cached Nanos kernel releases');

  nanos
    .command('list')
    .description('list cached releases')
    .action(async () => {
      const releases = await listCachedReleases(ctx.paths);
      if (ctx.json) {
        ctx.logger.result(JSON.stringify(releases, null, 2));
        return;
      }
      if (releases.length === 0) ctx.logger.info('no cached releases');
      for (const r of releases) {
        const pinned = r.version === DEFAULT_NANOS_VERSION ? ' (default)' : '';
        ctx.logger.result(`${r.version}${pinned}\t${r.dir}`);
      }
    });

  nanos
    .command('path')
    .description('print the folder of a release, downloading it if needed')
    .argument('[version]', 'Nanos version', DEFAULT_NANOS_VERSION)
    .option('--nanos-dir <dir>', 'use this release folder')
    .option('--offline', 'never download')
    .action(async (version: string, opts: NanosPathFlags) => {
      const release = await resolveNanosRelease({
        version,
        offline: opts.offline === true,
        dir: nanosDirOf(opts, ctx),
        paths: ctx.paths,
        logger: ctx.logger,
        signal: ctx.io.signal,
      });
      ctx.logger.result(
        ctx.json ? JSON.stringify(release, null, 2) : release.dir,
      );
    });

  nanos
    .command('add')
    .description(
      'add a release tarball from this machine to the cache (an offline ' +
        'mirror, or a build of your own), checked and recorded like a ' +
        'download',
    )
    .argument('<tarball>', 'nanos-release-linux-<version>.tar.gz')
    .argument('[version]', 'the version (default: from the file name)')
    .option('--force', 'replace a cached release of that version')
    .action(async (file: string, version: string | undefined, opts) => {
      const release = await addRelease({
        file: resolve(ctx.io.cwd, file),
        version,
        force: opts.force === true,
        paths: ctx.paths,
        pinnedSha256: ctx.io.env.SKIFF_NANOS_SHA256 || undefined,
        signal: ctx.io.signal,
      });
      if (ctx.json) {
        ctx.logger.result(JSON.stringify(release, null, 2));
        return;
      }
      ctx.logger.info(`added Nanos ${release.version}`);
      ctx.logger.result(release.dir);
    });

  nanos
    .command('clear')
    .description('delete a cached release')
    .argument('<version>', 'the version to delete')
    .action(async (version: string) => {
      const dir = await clearCachedRelease(ctx.paths, version);
      if (ctx.json) {
        ctx.logger.result(JSON.stringify({ deleted: { version, dir } }));
        return;
      }
      ctx.logger.info(`deleted ${dir}`);
    });
}
