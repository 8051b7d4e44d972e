// `skiff pkg contents PKG`: every file, folder and link in a package.
import type { Command } from 'commander';
import { listPackageEntries } from '../../pkg/contents.js';
import type { CliContext } from '../context.js';
import { addPkgFlags, storeOf, type PkgFlags } from './pkg-shared.js';

export function registerPkgContents(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('contents')
    .description('list the files of a package')
    .argument('<package>', 'NAME, NAME:VERSION or NAME_VERSION');
  addPkgFlags(cmd).action(async (spec: string, opts: PkgFlags) => {
    const p = await storeOf(ctx, opts).find(spec);
    const entries = await listPackageEntries(p.dir);
    if (ctx.json) {
      ctx.logger.result(JSON.stringify(entries, null, 2));
      return;
    }
    ctx.logger.result(
      entries
        .map((e) =>
          e.type === 'symlink'
            ? `${e.path} -> ${e.target}`
            : e.type === 'dir'
              ? `${e.path}/`
              : e.path,
        )
        .join('\n'),
    );
  });
}
