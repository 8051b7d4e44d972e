// `instance logs -w`: prints new console output until the instance stops,
// goes away or the user interrupts. A poll that loses contact with the
// cloud (throttling, a 5xx, a dropped connection) is tried again with
// back-off; only a failure that lasts, or one that is no blip, ends it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogChunk, Provider } from '../../providers/types.js';
import { EnvironmentError, isRetryable, SkiffError } from '../errors.js';
import { pausedVmStatus, warnIfPaused } from './commands/instance-paused.js';
import type { CliContext } from './context.js';

export interface FollowOptions {
  intervalMs: number;
  /** Give up when no poll has succeeded for this long. */
  giveUpMs?: number;
}

const GIVE_UP_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 30_000;
/** Reads of a stopped instance's console before its output is let go. */
const LAST_READ_TRIES = 2;

/**
 * Worth polling again: a retryable cloud error, or, once the instance
 * has answered before, an endpoint that stopped answering (the network
 * dropped; at the start it would rather be a setting).
 */
function isBlip(err: unknown, answeredBefore: boolean): boolean {
  if (isRetryable(err)) return true;
  return (
    answeredBefore &&
    err instanceof EnvironmentError &&
    err.code.endsWith('_UNREACHABLE')
  );
}

function isGone(err: unknown): boolean {
  return err instanceof SkiffError && err.code === 'INSTANCE_NOT_FOUND';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function followLogs(
  ctx: CliContext,
  provider: Provider,
  name: string,
  options: FollowOptions,
): Promise<void> {
  const signal = ctx.io.signal;
  const giveUpMs = options.giveUpMs ?? GIVE_UP_MS;
  let offset = 0;
  let answeredBefore = false;
  let lastAnswer = Date.now();
  let failures = 0;
  let pausedSaid = false;

  const print = (chunk: LogChunk) => {
    if (chunk.dropped) ctx.logger.warn('some log output was lost');
    if (chunk.text && ctx.json) {
      // One JSON event per line (NDJSON), so a reader can parse as it goes.
      const { text, nextOffset, dropped } = chunk;
      ctx.logger.result(
        JSON.stringify({ name, text, nextOffset, dropped: dropped === true }),
      );
    } else if (chunk.text) ctx.logger.stream(chunk.text);
    offset = chunk.nextOffset;
  };

  for (;;) {
    let live = true;
    let stateName = '';
    try {
      const info = await provider.getInstance(name);
      live = info.state === 'running' || info.state === 'pending';
      // Said once: QEMU paused it (a full disk), so no output will come.
      if (!pausedSaid && pausedVmStatus(info) !== undefined) {
        warnIfPaused(ctx, info);
        pausedSaid = true;
      }
      stateName = info.state === 'terminated' ? 'was terminated' : 'stopped';
      print(await provider.readLogs(name, offset));
    } catch (err) {
      if (signal?.aborted) return;
      if (answeredBefore && isGone(err)) {
        // Deleted while followed: its console may still be readable once.
        await provider.readLogs(name, offset).then(print, () => {});
        ctx.logger.info(`instance ${name} was deleted`);
        return;
      }
      const blip = isBlip(err, answeredBefore);
      // A stopped instance may no longer serve its console (GCE answers
      // 400 or 503 once it is terminated): what was printed is all.
      if (!live && (!blip || failures >= LAST_READ_TRIES)) {
        ctx.logger.debug(`no more output from ${name}: ${message(err)}`);
        return;
      }
      if (!blip || Date.now() - lastAnswer > giveUpMs) throw err;
      failures++;
      const pauseMs = Math.min(
        options.intervalMs * 2 ** failures,
        MAX_BACKOFF_MS,
      );
      const say = failures === 1 ? ctx.logger.warn : ctx.logger.debug;
      say.call(ctx.logger, `${message(err)}; trying again in ${pauseMs} ms`);
      if (!(await pause(pauseMs, signal))) return;
      continue;
    }
    if (failures > 0) ctx.logger.info(`reading the logs of ${name} again`);
    answeredBefore = true;
    lastAnswer = Date.now();
    failures = 0;
    if (signal?.aborted) return;
    if (!live) {
      ctx.logger.info(`instance ${name} ${stateName}`);
      return;
    }
    if (!(await pause(options.intervalMs, signal))) return;
  }
}

/** False when interrupted. */
async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
