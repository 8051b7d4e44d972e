// `skiff pkg describe PKG`: what a package runs (program, arguments, the
// image's CMD arguments from default-args.json, environment), where it
// came from, and its README.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readDefaultArgs } from '../../pkg/default-args.js';
import { readPackageManifest } from '../../pkg/manifest-file.js';
import type { CliContext } from '../context.js';
import { addPkgFlags, storeOf, type PkgFlags } from './pkg-shared.js';

export function registerPkgDescribe(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('describe')
    .description('show what a package runs and where it came from')
    .argument('<package>', 'NAME, NAME:VERSION or NAME_VERSION');
  addPkgFlags(cmd).action(async (spec: string, opts: PkgFlags) => {
    const p = await storeOf(ctx, opts).find(spec);
    const manifest = await readPackageManifest(p.dir);
    const defaultArgs = readDefaultArgs(p.dir);
    const readme = await readFile(join(p.dir, 'README.md'), 'utf8').catch(
      () => undefined,
    );
    if (ctx.json) {
      ctx.logger.result(
        JSON.stringify(
          {
            name: p.name,
            version: p.version,
            arch: p.arch,
            dir: p.dir,
            manifest,
            defaultArgs,
            readme,
          },
          null,
          2,
        ),
      );
      return;
    }
    const lines = [
      `name:         ${p.name}`,
      `version:      ${p.version}`,
      `arch:         ${p.arch}`,
      `program:      ${manifest.Program ?? '(none)'}`,
      `args:         ${JSON.stringify(manifest.Args ?? [])}`,
      `default args: ${formatDefaultArgs(defaultArgs)}`,
    ];
    if (manifest.Language) lines.push(`language:     ${manifest.Language}`);
    if (manifest.Description) {
      lines.push(`description:  ${manifest.Description}`);
    }
    for (const [k, v] of Object.entries(manifest.Env ?? {})) {
      lines.push(`env:          ${k}=${v}`);
    }
    lines.push(`folder:       ${p.dir}`);
    if (readme) lines.push('', readme.trimEnd());
    ctx.logger.result(lines.join('\n'));
  });
}

/** The image's CMD arguments, and when `pkg load` passes them. */
function formatDefaultArgs(args: string[]): string {
  if (args.length === 0) return '(none)';
  return `${JSON.stringify(args)} (when your config gives no Args)`;
}
