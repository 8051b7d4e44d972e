// Polling with a deadline, for states other processes change (a QEMU
// starting, a process exiting).
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns a value other than undefined. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}
