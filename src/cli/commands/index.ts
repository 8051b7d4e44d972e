// Every command registers itself here: one import and one call a command.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerImage } from './image.js';
import { registerInstance } from './instance.js';
import { registerNanos } from './nanos.js';
import { registerRun } from './run.js';
import { registerBuild } from './build.js';
import { registerPkg } from './pkg.js';

export function registerCommands(program: Command, ctx: CliContext): void {
  registerImage(program, ctx);
  registerInstance(program, ctx);
  registerNanos(program, ctx);
  registerRun(program, ctx);
  registerBuild(program, ctx);
  registerPkg(program, ctx);
}
