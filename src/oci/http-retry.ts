// Retries for transient registry failures: network errors, 429 and 5xx,
// with exponential back-off. Anything else is returned to the caller.

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  signal?: AbortSignal | undefined;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 250 };

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Network-level failures fetch reports as TypeError (ECONNRESET...). */
export function isTransientError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'AbortError') return false;
  return err instanceof TypeError || 'code' in err;
}

/** Waits `ms`; rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it returns a non-transient response or the tries
 * run out; the last response or error is what the caller sees.
 */
export async function withRetries(
  attempt: () => Promise<Response>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<Response> {
  let lastError: unknown;
  for (let i = 0; i < options.attempts; i++) {
    if (i > 0) {
      await sleep(options.baseDelayMs * 2 ** (i - 1), options.signal);
    }
    try {
      const res = await attempt();
      if (!isTransientStatus(res.status) || i === options.attempts - 1) {
        return res;
      }
      await res.body?.cancel();
      lastError = undefined;
    } catch (err) {
      const last = i === options.attempts - 1;
      if (last || options.signal?.aborted || !isTransientError(err)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}
