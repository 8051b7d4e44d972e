// `skiff instance logs <name> [-w]`: the serial console, whole or followed.
// With --json: one document, or with -w one JSON event per line.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { followLogs } from '../follow-logs.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

type LogsFlags = TargetFlags & { watch?: boolean; interval?: string };

export function registerInstanceLogs(instance: Command, ctx: CliContext): void {
  const cmd = instance
    .command('logs')
    .description('print the serial console of an instance')
    .argument('<name>', 'the instance')
    .option('-w, --watch', 'keep printing new output until it stops')
    .option(
      '--interval <ms>',
      'how often -w looks for output (default: 500, on clouds 2000)',
    );
  addTargetFlags(cmd);
  cmd.action(async (name: string, opts: LogsFlags) => {
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    if (opts.watch) {
      const intervalMs =
        Number(opts.interval) || provider.logPollIntervalMs || 500;
      await followLogs(ctx, provider, name, { intervalMs });
      return;
    }
    const chunk = await provider.readLogs(name, 0);
    if (ctx.json) {
      ctx.logger.result(JSON.stringify({ name, text: chunk.text }));
      return;
    }
    ctx.logger.stream(chunk.text);
  });
}
