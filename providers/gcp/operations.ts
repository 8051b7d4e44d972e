// Waits for a Compute long-running operation and checks how it ended: GCE
// marks failed operations DONE too, with the reason in error.errors[].
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, CloudError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { GcpClients } from './clients.js';
import { gcpError } from './errors.js';

interface OperationLike {
  name?: string | null;
  status?: string | number | null;
  error?: {
    errors?: Array<{ code?: string | null; message?: string | null }> | null;
  } | null;
}

export interface WaitOptions {
  project: string;
  /** Set for zonal operations (instances); unset for global ones. */
  zone?: string;
  /** What the operation does, for messages: "creating image web". */
  step: string;
  timeoutMs: number;
  /** The setting that raises the deadline, named in the hint. */
  timeoutKey?: string;
  pollIntervalMs: number;
  signal?: AbortSignal;
  /** Gets a debug line when the operation ends. */
  logger?: Logger;
}

/** The Operation inside what `insert()`/`delete()` resolve to. */
export function operationOf(response: unknown): OperationLike {
  const first = Array.isArray(response) ? response[0] : response;
  const op = (first as { latestResponse?: unknown })?.latestResponse ?? first;
  return (op ?? {}) as OperationLike;
}

/**
 * `work`, or undefined once `ms` pass or `signal` aborts: a server-side
 * wait() can block for two minutes, and neither Ctrl-C nor the deadline
 * should have to sit through it.
 */
async function bounded<T>(
  work: Promise<T>,
  ms: number,
  signal?: AbortSignal,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<undefined>((resolve) => {
    const delay = Math.min(Math.max(0, ms), 2 ** 31 - 1);
    timer = setTimeout(() => resolve(undefined), delay);
    onAbort = () => resolve(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => {});
  try {
    return await Promise.race([work, cut]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function waitOnce(
  clients: GcpClients,
  name: string,
  options: WaitOptions,
): Promise<OperationLike> {
  const { project, zone } = options;
  const [op] = zone
    ? await clients.zoneOperations.wait({ project, zone, operation: name })
    : await clients.globalOperations.wait({ project, operation: name });
  return op as OperationLike;
}

/**
 * Polls until the operation is DONE, then throws a CloudError carrying
 * GCP's own code (e.g. GCP_INVALID_IMAGE_TAR) if it failed.
 */
export async function waitForOperation(
  clients: GcpClients,
  response: unknown,
  options: WaitOptions,
): Promise<void> {
  let op = operationOf(response);
  const name = op.name ?? '';
  const begun = Date.now();
  const deadline = begun + options.timeoutMs;

  while (op.status !== 'DONE') {
    if (options.signal?.aborted) {
      throw new AbortError(`${options.step}: interrupted`, {
        hint: `the operation ${name} continues in GCP`,
      });
    }
    if (Date.now() > deadline) {
      throw new CloudError(
        'GCP_OPERATION_TIMEOUT',
        `${options.step}: still running after ${Math.round(options.timeoutMs / 1000)} s (operation ${name})`,
        {
          hint: `${options.timeoutKey ? `raise ${options.timeoutKey}, or ` : ''}follow it with \`gcloud compute operations describe ${name}\``,
        },
      );
    }
    const started = Date.now();
    try {
      const left = deadline - started;
      op =
        (await bounded(
          waitOnce(clients, name, options),
          left,
          options.signal,
        )) ?? op;
    } catch (err) {
      throw gcpError(err, `${options.step}: waiting for ${name}`);
    }
    // wait() returns early on some errors; don't spin.
    if (op.status !== 'DONE' && Date.now() - started < 1000) {
      await bounded(
        sleep(options.pollIntervalMs),
        options.pollIntervalMs,
        options.signal,
      );
    }
  }

  const failure = op.error?.errors?.[0];
  options.logger?.debug(
    `gcp: operation ${name} done after ${Date.now() - begun} ms${failure ? ` with ${failure.code}` : ''}`,
  );
  if (failure) {
    const code = failure.code ?? 'OPERATION_FAILED';
    throw new CloudError(
      `GCP_${code}`,
      `${options.step} failed: ${code}: ${failure.message ?? 'no message'}`,
      code === 'INVALID_IMAGE_TAR'
        ? {
            // Skiff wrote the archive (disk.raw alone, OLDGNU, gzip), so a
            // refusal is Skiff's fault, not something the user can rebuild.
            hint: 'Skiff wrote this archive, so this is a bug in Skiff: please report it with the output of the same command run with -v',
          }
        : {},
    );
  }
}
