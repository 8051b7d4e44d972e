// Retries with exponential back-off and jitter, cancellable by a signal.
import { AbortError } from '../../src/errors.js';
import { isTransientAwsError } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
  /**
   * Decides whether `err` after attempt number `attempt` (1-based) is
   * retried. Default: transient AWS errors while attempts remain.
   */
  shouldRetry?: (err: unknown, attempt: number) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** For tests; Math.random by default. */
  random?: () => number;
}

/** Default back-off timings for single EC2/EBS calls. */
export const DEFAULT_RETRY = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
};

/** "Equal jitter": half the exponential delay fixed, half random. */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or rejects with AbortError when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(
  run: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const shouldRetry =
    options.shouldRetry ??
    ((err, attempt) =>
      attempt < options.maxAttempts && isTransientAwsError(err));
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (err) {
      if (options.signal?.aborted || !shouldRetry(err, attempt)) throw err;
      const delayMs = backoffDelayMs(
        attempt,
        options.baseDelayMs,
        options.maxDelayMs,
        options.random,
      );
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
