// A polling loop with a growing interval, a deadline and cancellation.
import { sleep } from './retry.js';

export interface PollOptions {
  intervalMs: number;
  /** The interval grows by half each round up to this. */
  maxIntervalMs: number;
  timeoutMs: number;
  /**
   * Date.now() by which to give up, when several waits share one budget;
   * `timeoutMs` is then that whole budget, as messages name it.
   */
  deadline?: number;
  signal?: AbortSignal;
}

/** Thrown when the deadline passes; callers turn it into a CloudError. */
export class PollTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`gave up after ${Math.round(timeoutMs / 1000)} s`);
  }
}

/**
 * Calls `check` until it returns a value (not undefined). `check` throws
 * to stop with a failure.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = options.deadline ?? Date.now() + options.timeoutMs;
  let interval = options.intervalMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new PollTimeout(options.timeoutMs);
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(options.maxIntervalMs, Math.ceil(interval * 1.5));
  }
}
