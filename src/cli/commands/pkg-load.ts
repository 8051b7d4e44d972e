// `skiff pkg load PKG -c config.json`: the package's runtime plus the
// user's app (Dirs, Files, Args, Env from config.json), built and booted
// under QEMU in the foreground; skiff exits with the program's code.
import type { Command } from 'commander';
import { addBuildFlags } from '../build-flags.js';
import type { CliContext } from '../context.js';
import {
  addForegroundFlags,
  buildAndBoot,
  LOCAL_TARGETS,
  type ForegroundFlags,
} from '../foreground.js';
import { resolvePackageBuild } from '../package-build.js';
import { addPkgFlags, type PkgFlags } from './pkg-shared.js';

export function registerPkgLoad(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('load')
    .description('boot a package with your app (config.json) under QEMU')
    .argument('<package>', 'NAME, NAME:VERSION or NAME_VERSION');
  addForegroundFlags(cmd);
  addBuildFlags(cmd, LOCAL_TARGETS);
  addPkgFlags(cmd);
  cmd.action(async (spec: string, opts: ForegroundFlags & PkgFlags) => {
    const build = await resolvePackageBuild(ctx, spec, opts);
    ctx.logger.debug(`argv ${JSON.stringify(build.config.args)}`);
    await buildAndBoot(ctx, opts, {
      config: build.config,
      packageRoot: build.packageRoot,
      imageFileName: `pkg-${build.dirName.replace(/\//g, '-')}.img`,
    });
  });
}
