// `skiff pkg delete PKG`: removes a package from the local store.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addPkgFlags, storeOf, type PkgFlags } from './pkg-shared.js';

export function registerPkgDelete(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('delete')
    .alias('rm')
    .description('delete a local package')
    .argument('<package>', 'NAME, NAME:VERSION or NAME_VERSION');
  addPkgFlags(cmd).action(async (spec: string, opts: PkgFlags) => {
    const store = storeOf(ctx, opts);
    const p = await store.find(spec);
    await store.remove(p);
    if (ctx.json) {
      ctx.logger.result(JSON.stringify({ deleted: p.dirName, dir: p.dir }));
      return;
    }
    ctx.logger.result(`deleted ${p.name}:${p.version}`);
  });
}
