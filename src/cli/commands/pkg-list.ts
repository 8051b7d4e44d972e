// `skiff pkg list`: the packages in the local store, as a table or JSON.
import type { Command } from 'commander';
import { formatBytes } from '../../log.js';
import { listPackageEntries } from '../../pkg/contents.js';
import type { CliContext } from '../context.js';
import { addPkgFlags, storeOf, type PkgFlags } from './pkg-shared.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) =>
    Math.max(...rows.map((r) => r[i]!.length)),
  );
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function registerPkgList(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('list')
    .alias('ls')
    .description('list local packages');
  addPkgFlags(cmd).action(async (opts: PkgFlags) => {
    const store = storeOf(ctx, opts);
    const found = await store.list();
    const rows = [];
    for (const p of found) {
      const entries = await listPackageEntries(p.dir);
      rows.push({
        name: p.name,
        version: p.version,
        arch: p.arch,
        language: p.manifest?.Language ?? '',
        program: p.manifest?.Program ?? '',
        sizeBytes: entries.reduce((n, e) => n + e.sizeBytes, 0),
        dir: p.dir,
        ...(p.problem ? { problem: p.problem } : {}),
      });
    }
    if (ctx.json) {
      ctx.logger.result(JSON.stringify(rows, null, 2));
      return;
    }
    if (rows.length === 0) {
      ctx.logger.info(`no packages in ${store.root}`);
      return;
    }
    ctx.logger.result(
      table([
        ['NAME', 'VERSION', 'LANGUAGE', 'PROGRAM', 'SIZE'],
        ...rows.map((r) => [
          r.name,
          r.version,
          r.language,
          r.problem ? `(invalid: ${r.problem})` : r.program,
          formatBytes(r.sizeBytes),
        ]),
      ]),
    );
  });
}
