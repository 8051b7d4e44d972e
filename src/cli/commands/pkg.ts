// `skiff pkg`: the group; each subcommand lives in its own file.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerPkgAdd } from './pkg-add.js';
import { registerPkgContents } from './pkg-contents.js';
import { registerPkgDelete } from './pkg-delete.js';
import { registerPkgDescribe } from './pkg-describe.js';
import { registerPkgFromDocker } from './pkg-from-docker.js';
import { registerPkgList } from './pkg-list.js';
import { registerPkgLoad } from './pkg-load.js';

export function registerPkg(program: Command, ctx: CliContext): Command {
  const pkg = program
    .command('pkg')
    .description('make, list and run packages (a runtime and its files)');
  registerPkgFromDocker(pkg, ctx);
  registerPkgList(pkg, ctx);
  registerPkgDescribe(pkg, ctx);
  registerPkgContents(pkg, ctx);
  registerPkgAdd(pkg, ctx);
  registerPkgDelete(pkg, ctx);
  registerPkgLoad(pkg, ctx);
  return pkg;
}
