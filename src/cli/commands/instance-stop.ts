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
    // One line either way: "is not running", or "stopped" after the stop.
    const before = (await provider.getInstance(name)).state;
    const live = ['running', 'pending', 'stopping'].includes(before);
    if (live) await provider.stopInstance(name);
    const state = live ? (await provider.getInstance(name)).state : before;
    if (ctx.json) {
      // States as `instance list` has them (InstanceState).
      ctx.logger.result(JSON.stringify({ name, state }));
      return;
    }
    if (!live) ctx.logger.info(`instance ${name} is not running (${state})`);
    else if (state === 'stopped') ctx.logger.info(`instance ${name} stopped`);
    else ctx.logger.info(`instance ${name} is ${state}`);
  });
}
