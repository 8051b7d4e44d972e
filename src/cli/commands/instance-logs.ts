// `skiff instance logs <name> [-w]`: the serial console, whole or followed.
// With --json: one document, or with -w one JSON event per line.
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { followLogs } from '../follow-logs.js';
import { warnIfPaused } from './instance-paused.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

type LogsFlags = TargetFlags & { watch?: boolean; interval?: string };

/** --interval in milliseconds: a positive whole number. */
function parseIntervalMs(text: string): number {
  const ms = Number(text);
  if (Number.isInteger(ms) && ms > 0) return ms;
  throw new UserError(
    'FLAG_INVALID',
    `--interval ${text}: not a number of milliseconds`,
    { hint: 'give a positive whole number of milliseconds: --interval 500' },
  );
}

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
    // Checked before any provider is made: a typo fails at once.
    const askedMs =
      opts.interval !== undefined ? parseIntervalMs(opts.interval) : undefined;
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    if (opts.watch) {
      const intervalMs = askedMs ?? provider.logPollIntervalMs ?? 500;
      await followLogs(ctx, provider, name, { intervalMs });
      return;
    }
    const chunk = await provider.readLogs(name, 0);
    const dropped = chunk.dropped === true;
    // A console that went quiet may be a VM QEMU paused (a full disk).
    if (provider.target === 'qemu') {
      warnIfPaused(ctx, await provider.getInstance(name));
    }
    if (ctx.json) {
      ctx.logger.result(JSON.stringify({ name, text: chunk.text, dropped }));
      return;
    }
    // The log is capped: only its tail is kept.
    if (dropped) ctx.logger.warn('older log output was dropped');
    ctx.logger.stream(chunk.text);
  });
}
