// Deadlines and Ctrl-C for every request the GCP SDKs send. Neither SDK
// enforces one over REST: against an endpoint that takes the connection
// and never answers, Compute 6.x and Storage 7.x wait for ever, and a
// signal does not reach the request.
import type { Readable } from 'node:stream';

/** From GcpTuning, where the defaults are. */
export interface RequestLimits {
  /** Ends requests under way when it aborts (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  /** One request's deadline. */
  requestTimeoutMs: number;
  /**
   * How often Storage sends a failed request again (at least 1: Storage
   * 7 reads 0 as "its default").
   */
  storageRetries: number;
}

/** operations.wait blocks up to 2 minutes on the server by design. */
const WAIT_FACTOR = 2.5;
/** A 16 MiB upload chunk on a slow uplink. */
const CHUNK_FACTOR = 10;

interface RequestInit {
  signal?: AbortSignal;
  timeout?: number;
}

interface Fetcher {
  fetch(url: unknown, init?: RequestInit): Promise<unknown>;
}

interface Requester {
  request(opts: RequestInit & { body?: unknown; data?: unknown }): unknown;
}

/** The signal while it has not fired: later requests are the clean-up. */
function live(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal && !signal.aborted ? signal : undefined;
}

/** A request past its deadline; gcpError names it GCP_NO_ANSWER. */
export class RequestTimeout extends Error {
  override name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no answer in ${timeoutMs} ms`);
  }
}

/**
 * Compute goes through the shared auth's fetch (google-gax's REST stub):
 * each request gets a deadline, and one under way when the signal aborts
 * ends then. The deadline is kept here rather than as gaxios' `timeout`,
 * whose abort the stub reports like any other abort.
 */
export function limitComputeRequests(auth: Fetcher, limits: RequestLimits) {
  const fetch = auth.fetch.bind(auth);
  const base = limits.requestTimeoutMs;
  auth.fetch = async (url, init = {}) => {
    const isWait = /\/operations\/[^/?]+\/wait(\?|$)/.test(String(url));
    const timeoutMs = isWait ? base * WAIT_FACTOR : base;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signals = [init.signal, live(limits.signal), deadline];
    const signal = AbortSignal.any(signals.filter((s) => s !== undefined));
    try {
      return await fetch(url, { ...init, signal });
    } catch (err) {
      if (deadline.aborted && !limits.signal?.aborted) {
        throw new RequestTimeout(timeoutMs);
      }
      throw err;
    }
  };
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}

/**
 * Storage sends through its auth client's request: a deadline for each
 * (longer for an upload chunk), and the signal for those that carry none
 * of their own (the upload stream aborts its chunks itself, with a
 * signal AbortSignal.any cannot combine).
 */
export function limitStorageRequests(client: Requester, limits: RequestLimits) {
  const request = client.request.bind(client);
  const base = limits.requestTimeoutMs;
  client.request = (opts) => {
    const chunk = isStream(opts.body) || isStream(opts.data);
    const timeout = opts.timeout ?? (chunk ? base * CHUNK_FACTOR : base);
    const signal = opts.signal ?? live(limits.signal);
    return request({ ...opts, timeout, signal });
  };
}
