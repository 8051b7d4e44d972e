// `skiff instance start <name>`: boot a stopped instance again (same disk).
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

export function registerInstanceStart(
  instance: Command,
  ctx: CliContext,
): void {
  const cmd = instance
    .command('start')
    .description('start a stopped instance again')
    .argument('<name>', 'the instance');
  addTargetFlags(cmd);
  cmd.action(async (name: string, opts: TargetFlags) => {
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    // Running already, or started by another command while this one
    // waited for the instance's lock (the adapter checks under it).
    const running =
      (await provider.getInstance(name)).state === 'running' ||
      (await provider.startInstance(name)) === 'already-running';
    if (running) {
      if (ctx.json) {
        ctx.logger.result(JSON.stringify({ name, state: 'running' }));
        return;
      }
      ctx.logger.info(`instance ${name} is already running`);
      return;
    }
    if (ctx.json) {
      // The state as `instance list` shows it: running, or stopped if
      // the app has exited already.
      const { state } = await provider.getInstance(name);
      ctx.logger.result(JSON.stringify({ name, state }));
      return;
    }
    ctx.logger.info(`instance ${name} started`);
  });
}
