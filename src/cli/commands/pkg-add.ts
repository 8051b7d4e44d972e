// `skiff pkg add PATH`: a package folder or .tar.gz into the local store.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addPackage } from '../../pkg/add.js';
import type { CliContext } from '../context.js';
import { addPkgFlags, storeOf, type PkgFlags } from './pkg-shared.js';

export function registerPkgAdd(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('add')
    .description('add a package folder or .tar.gz to the local store')
    .argument('<path>', 'a <name>_<version>/ folder or a .tar.gz of one')
    .option('-n, --name <name[:version]>', 'store it under this name');
  addPkgFlags(cmd).action(
    async (path: string, opts: PkgFlags & { name?: string }) => {
      const p = await addPackage({
        source: resolve(ctx.io.cwd, path),
        name: opts.name,
        store: storeOf(ctx, opts),
        logger: ctx.logger,
      });
      if (ctx.json) {
        ctx.logger.result(JSON.stringify(p, null, 2));
        return;
      }
      ctx.logger.info(`added ${p.name}:${p.version}`);
      ctx.logger.result(p.dir);
    },
  );
}
