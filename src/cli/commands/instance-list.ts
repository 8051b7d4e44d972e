// `skiff instance list`: every instance of the target, as a table or JSON.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatInstanceTable } from './instance-format.js';
import { warnIfPaused } from './instance-paused.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

export function registerInstanceList(instance: Command, ctx: CliContext): void {
  const cmd = instance
    .command('list')
    .alias('ls')
    .description('list instances: state, ports, pid, exit code');
  addTargetFlags(cmd);
  cmd.action(async (opts: TargetFlags) => {
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    const infos = await provider.listInstances();
    for (const info of infos) warnIfPaused(ctx, info);
    if (ctx.json) {
      ctx.logger.result(JSON.stringify(infos, null, 2));
      return;
    }
    ctx.logger.result(formatInstanceTable(infos, provider.target));
  });
}
