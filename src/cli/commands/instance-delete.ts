// `skiff instance delete <name>`: stop it at once and remove its disk,
// logs and record.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

export function registerInstanceDelete(
  instance: Command,
  ctx: CliContext,
): void {
  const cmd = instance
    .command('delete')
    .description('stop an instance and remove it with its disk and logs')
    .argument('<name>', 'the instance');
  addTargetFlags(cmd);
  cmd.action(async (name: string, opts: TargetFlags) => {
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    await provider.deleteInstance(name);
    if (ctx.json) {
      // "terminated", the InstanceState of an instance that is gone.
      ctx.logger.result(JSON.stringify({ name, state: 'terminated' }));
      return;
    }
    ctx.logger.info(`instance ${name} deleted`);
  });
}
