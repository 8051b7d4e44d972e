// `skiff instance`: the group; each subcommand lives in its own file.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerInstanceCreate } from './instance-create.js';
import { registerInstanceDelete } from './instance-delete.js';
import { registerInstanceList } from './instance-list.js';
import { registerInstanceLogs } from './instance-logs.js';
import { registerInstanceStart } from './instance-start.js';
import { registerInstanceStop } from './instance-stop.js';

export function registerInstance(program: Command, ctx: CliContext): Command {
  const instance = program
    .command('instance')
    .description('start, list, follow, stop and delete instances');
  registerInstanceCreate(instance, ctx);
  registerInstanceList(instance, ctx);
  registerInstanceLogs(instance, ctx);
  registerInstanceStart(instance, ctx);
  registerInstanceStop(instance, ctx);
  registerInstanceDelete(instance, ctx);
  return instance;
}
