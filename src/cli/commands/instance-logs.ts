// `skiff instance logs <name> [-w]`: the serial console, whole or followed.
// With --json: one document, or with -w one JSON event per line.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type {
  InstanceInfo,
  LogChunk,
  Provider,
} from '../../../providers/types.js';
import { SkiffError, UserError } from '../../errors.js';
import type { CliContext } from '../context.js';
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

function isNotFound(err: unknown): boolean {
  return err instanceof SkiffError && err.code === 'INSTANCE_NOT_FOUND';
}

/**
 * Prints new output until the instance stops or is deleted, or the user
 * interrupts.
 */
async function follow(
  ctx: CliContext,
  provider: Provider,
  name: string,
  intervalMs: number,
): Promise<void> {
  const signal = ctx.io.signal;
  let offset = 0;
  for (let first = true; ; first = false) {
    let info: InstanceInfo;
    let chunk: LogChunk;
    try {
      info = await provider.getInstance(name);
      chunk = await provider.readLogs(name, offset);
    } catch (err) {
      // Deleted while followed: the end of its log, not an error.
      if (first || !isNotFound(err)) throw err;
      ctx.logger.info(`instance ${name} was deleted`);
      return;
    }
    if (chunk.dropped) ctx.logger.warn('some log output was lost');
    if (chunk.text && ctx.json) {
      // One JSON event per line (NDJSON), so a reader can parse as it goes.
      const { text, nextOffset, dropped } = chunk;
      ctx.logger.result(
        JSON.stringify({ name, text, nextOffset, dropped: dropped === true }),
      );
    } else if (chunk.text) ctx.logger.stream(chunk.text);
    offset = chunk.nextOffset;
    const live = info.state === 'running' || info.state === 'pending';
    if (!live || signal?.aborted) return;
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

export function registerInstanceLogs(instance: Command, ctx: CliContext): void {
  const cmd = instance
    .command('logs')
    .description('print the serial console of an instance')
    .argument('<name>', 'the instance')
    .option('-w, --watch', 'keep printing new output until it stops')
    .option('--interval <ms>', 'how often -w looks for output', '500');
  addTargetFlags(cmd);
  cmd.action(async (name: string, opts: LogsFlags) => {
    const intervalMs = parseIntervalMs(opts.interval ?? '500');
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    if (opts.watch) {
      await follow(ctx, provider, name, intervalMs);
      return;
    }
    const chunk = await provider.readLogs(name, 0);
    const dropped = chunk.dropped === true;
    if (ctx.json) {
      ctx.logger.result(JSON.stringify({ name, text: chunk.text, dropped }));
      return;
    }
    // The log is capped: only its tail is kept.
    if (dropped) ctx.logger.warn('older log output was dropped');
    ctx.logger.stream(chunk.text);
  });
}
