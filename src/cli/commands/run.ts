// `skiff run <program>`: build an image into the state dir and boot it in
// the foreground; skiff exits with the program's own exit code.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { addBuildFlags, resolveBuildConfig } from '../build-flags.js';
import type { CliContext } from '../context.js';
import {
  addForegroundFlags,
  buildAndBoot,
  LOCAL_TARGETS,
  type ForegroundFlags,
} from '../foreground.js';

export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run')
    .description('build an image and boot it under QEMU in the foreground')
    .argument('[program]', 'the ELF to run (or Program in config.json)');
  addForegroundFlags(cmd);
  addBuildFlags(cmd, LOCAL_TARGETS);
  cmd.action(async (programArg: string | undefined, opts: ForegroundFlags) => {
    const config = await resolveBuildConfig(ctx, opts, programArg);
    const name = basename(config.programImagePath) || 'program';
    await buildAndBoot(ctx, opts, { config, imageFileName: `${name}.img` });
  });
}
