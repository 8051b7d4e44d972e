// Ctrl-C while pulling or flattening: whatever the interrupted call threw
// (fetch's abort, a closed socket, the signal's own reason), the user sees
// one AbortError naming the step, never a network failure.
import { AbortError } from '../errors.js';

/** The AbortError for an aborted signal; the signal's reason is its cause. */
export function abortError(signal: AbortSignal, step: string): AbortError {
  return new AbortError(`${step}: interrupted`, { cause: signal.reason });
}

export function throwIfAborted(
  signal: AbortSignal | undefined,
  step: string,
): void {
  if (signal?.aborted) throw abortError(signal, step);
}
