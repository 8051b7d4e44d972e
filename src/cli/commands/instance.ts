// `skiff instance`: the group; each subcommand lives in its own file.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerInstanceCreate } from './instance-create.js';
import { registerInstanceLifecycle } from './instance-lifecycle.js';
import { registerInstanceList } from './instance-list.js';
import { registerInstanceLogs } from './instance-logs.js';

export function registerInstance(program: Command, ctx: CliContext): Command {
  const instance = program
    .command('instance')
    .description('start, list, follow, stop and delete instances');
  registerInstanceCreate(instance, ctx);
  registerInstanceList(instance, ctx);
  registerInstanceLogs(instance, ctx);
  registerInstanceLifecycle(instance, ctx);
  return instance;
}
