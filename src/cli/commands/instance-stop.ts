// `skiff instance stop <name>`: ACPI power-off so the app can shut down,
// then QMP quit, then SIGKILL; the exit is recorded.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

export function registerInstanceStop(instance: Command, ctx: CliContext): void {
  const cmd = instance
    .command('stop')
    .description('stop an instance: power button, then quit, then kill')
    .argument('<name>', 'the instance');
  addTargetFlags(cmd);
  cmd.action(async (name: string, opts: TargetFlags) => {
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    await provider.stopInstance(name);
    if (ctx.json) {
      ctx.logger.result(JSON.stringify({ name, state: 'stopped' }));
      return;
    }
    ctx.logger.info(`instance ${name} stopped`);
  });
}
