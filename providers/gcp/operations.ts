// Waits for a Compute long-running operation and checks how it ended: GCE
// marks failed operations DONE too, with the reason in error.errors[].
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError, CloudError, SkiffError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { GcpClients } from './clients.js';
import type { GcpContext } from './context.js';
import { describeGcpFailure, gcpError, isTransientGcpError } from './errors.js';

/** The longest pause between two wait() calls that lost contact. */
const MAX_RETRY_DELAY_MS = 30_000;

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

/** `gcloud compute operations describe` for this operation. */
function describeCommand(name: string, options: WaitOptions): string {
  const where = options.zone ? `--zone=${options.zone}` : '--global';
  return (
    `gcloud compute operations describe ${name} ${where} ` +
    `--project=${options.project}`
  );
}

function followHint(name: string, options: WaitOptions): string {
  return `follow it with \`${describeCommand(name, options)}\``;
}

/**
 * Codes of a waitForOperation failure after which the operation may still
 * go on in GCP: the caller must keep what it may still use (the upload,
 * the firewall rule) and say so.
 */
const MAY_STILL_RUN = new Set([
  'GCP_OPERATION_TIMEOUT',
  'GCP_OPERATION_UNKNOWN',
  'ABORTED',
]);

/** True when `err` leaves the operation's outcome open. */
export function mayStillRun(err: unknown): boolean {
  return err instanceof SkiffError && MAY_STILL_RUN.has(err.code);
}

/** The pause after the n-th wait() in a row that failed (1-based). */
function retryDelayMs(failures: number, pollIntervalMs: number): number {
  return Math.min(pollIntervalMs * 2 ** (failures - 1), MAX_RETRY_DELAY_MS);
}

/**
 * Polls until the operation is DONE, then throws a CloudError carrying
 * GCP's own code (e.g. GCP_INVALID_IMAGE_TAR) if it failed. A wait() that
 * loses contact (429, 5xx, a dropped connection) is tried again until the
 * deadline: Compute 6.x does not retry it (it is not idempotent in the
 * SDK's retry config), but waiting on a server-side operation again is
 * safe. See mayStillRun for the failures that leave the outcome open.
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
  let failures = 0;
  let lastFailure = '';

  while (op.status !== 'DONE') {
    if (options.signal?.aborted) {
      throw new AbortError(`${options.step}: interrupted`, {
        hint:
          `the operation ${name} continues in GCP: ` +
          `\`${describeCommand(name, options)}\``,
      });
    }
    if (Date.now() > deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      throw new CloudError(
        'GCP_OPERATION_TIMEOUT',
        `${options.step}: still running after ${seconds} s (operation ${name})` +
          (failures > 0 ? `; GCP last answered: ${lastFailure}` : ''),
        {
          hint:
            (options.timeoutKey ? `raise ${options.timeoutKey}, or ` : '') +
            followHint(name, options),
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
      failures = 0;
    } catch (err) {
      if (!isTransientGcpError(err)) {
        const failure = gcpError(err, `${options.step}: waiting for ${name}`);
        throw new CloudError(
          'GCP_OPERATION_UNKNOWN',
          `${failure.message} (the operation may still finish)`,
          {
            cause: err,
            hint:
              (failure.hint ? `${failure.hint}; ` : '') +
              followHint(name, options),
          },
        );
      }
      failures++;
      lastFailure = describeGcpFailure(err).message;
      const pause = retryDelayMs(failures, options.pollIntervalMs);
      options.logger?.debug(
        `gcp: waiting for ${name}: ${lastFailure}; trying again in ${pause} ms`,
      );
      await bounded(sleep(pause), deadline - Date.now(), options.signal);
      continue;
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

  const errors = op.error?.errors ?? [];
  const codes = errors.map((e) => e.code).join(', ');
  options.logger?.debug(
    `gcp: operation ${name} done after ${Date.now() - begun} ms` +
      (errors.length ? ` with ${codes}` : ''),
  );
  if (errors.length > 0) {
    const code = errors[0]!.code ?? 'OPERATION_FAILED';
    const reasons = errors
      .map(
        (e) => `${e.code ?? 'OPERATION_FAILED'}: ${e.message ?? 'no message'}`,
      )
      .join('; ');
    throw new CloudError(
      `GCP_${code}`,
      `${options.step} failed: ${reasons}`,
      errors.some((e) => e.code === 'INVALID_IMAGE_TAR')
        ? {
            // Skiff wrote the archive (disk.raw alone, OLDGNU, gzip), so a
            // refusal is Skiff's fault, not something the user can rebuild.
            hint:
              'Skiff wrote this archive, so this is a bug in Skiff: please ' +
              'report it with the output of the same command run with -v',
          }
        : {},
    );
  }
}

/**
 * Wait options for an operation in `ctx`'s project, with the instance
 * deadline: zonal for instances, global otherwise (images, firewalls).
 */
export function waitOptionsOf(
  ctx: GcpContext,
  step: string,
  scope: 'zonal' | 'global',
): WaitOptions {
  return {
    project: ctx.settings.projectId,
    ...(scope === 'zonal' ? { zone: ctx.settings.zone } : {}),
    step,
    timeoutMs: ctx.tuning.instanceTimeoutMs,
    pollIntervalMs: ctx.tuning.pollIntervalMs,
    signal: ctx.signal,
    logger: ctx.logger,
  };
}

/**
 * Starts an operation with `start` and waits for it to end well; a
 * refused start is wrapped with the step, as the wait's failures are.
 */
export async function runOperation(
  clients: GcpClients,
  start: () => Promise<unknown>,
  options: WaitOptions,
): Promise<void> {
  let response: unknown;
  try {
    response = await start();
  } catch (err) {
    throw gcpError(err, options.step);
  }
  await waitForOperation(clients, response, options);
}
