// Turns SDK failures (GaxiosError, GoogleError, auth errors) into
// CloudErrors that name the step and keep GCP's own reason.
import {
  AbortError,
  CloudError,
  EnvironmentError,
  errnoCode,
  printableText,
  SkiffError,
} from '../../src/errors.js';

export interface GcpFailure {
  status?: number;
  /** GCP's reason, e.g. notFound, alreadyExists, resourceNotReady. */
  reason?: string;
  message: string;
}

function bodyOf(text: string): Record<string, any> | undefined {
  try {
    const body = JSON.parse(text);
    return body && typeof body === 'object' ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The HTTP status, reason and message of an SDK error. Compute's REST
 * client reports the raw JSON body as the message (peers-and-clouds §7).
 */
export function describeGcpFailure(err: unknown): GcpFailure {
  const e = (err ?? {}) as Record<string, any>;
  const text = typeof e.message === 'string' ? e.message : String(err);
  const body = bodyOf(text)?.error ?? e.response?.data?.error ?? e.errors;
  const details = Array.isArray(body?.errors) ? body.errors[0] : undefined;
  const status =
    (typeof e.code === 'number' && e.code >= 100 ? e.code : undefined) ??
    e.response?.status ??
    (typeof body?.code === 'number' ? body.code : undefined);
  return {
    status,
    reason: details?.reason ?? e.reason ?? body?.status,
    message: printableText(
      body?.message ?? details?.message ?? text,
      MAX_MESSAGE,
    ),
  };
}

/** An endpoint that is not GCP can answer anything, quoted as message. */
const MAX_MESSAGE = 500;

/** Connections that broke or timed out on the way: worth another try. */
const NETWORK_BLIPS = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * Lost contact rather than a refusal: 429, a 5xx, or a connection that
 * broke. A refused or unknown endpoint (ECONNREFUSED, ENOTFOUND) is a
 * setting to fix, not a blip.
 */
export function isTransientGcpError(err: unknown): boolean {
  if (NETWORK_BLIPS.has(errnoCode(err) ?? '')) return true;
  const status = describeGcpFailure(err).status;
  return status === 429 || (status ?? 0) >= 500;
}

/** True for a 404 from the API. */
export function isNotFound(err: unknown): boolean {
  return describeGcpFailure(err).status === 404;
}

const ENDPOINT_HINT =
  'check the network, or the endpoint settings if set: ' +
  'CloudConfig.ComputeEndpoint / SKIFF_GCP_COMPUTE_ENDPOINT, ' +
  'CloudConfig.StorageEndpoint / SKIFF_GCP_STORAGE_ENDPOINT, ' +
  'STORAGE_EMULATOR_HOST';

/** Wraps `err` as a SkiffError whose message starts with `step`. */
export function gcpError(err: unknown, step: string): SkiffError {
  if (err instanceof SkiffError) return err;
  // A request ended by Ctrl-C (request-limits.ts passes the signal on);
  // gaxios keeps the AbortError as `error`.
  const inner = (err as { error?: unknown } | undefined)?.error ?? err;
  if (inner instanceof Error && inner.name === 'AbortError') {
    return new AbortError(`${step}: interrupted`, { cause: err });
  }
  // The deadline request-limits.ts sets on each request: ours for
  // Compute, node-fetch's `timeout` (type request-timeout) for Storage.
  const timedOut = [err, inner].some(
    (e) =>
      e instanceof Error &&
      (e.name === 'TimeoutError' ||
        (e as { type?: unknown }).type === 'request-timeout'),
  );
  if (timedOut) {
    return new EnvironmentError(
      'GCP_NO_ANSWER',
      `${step}: the GCP endpoint took the request but sent no answer in time`,
      { cause: err, hint: ENDPOINT_HINT },
    );
  }
  const errno = errnoCode(err);
  if (errno === 'ECONNREFUSED' || errno === 'ENOTFOUND') {
    return new EnvironmentError(
      'GCP_UNREACHABLE',
      `${step}: cannot reach the GCP endpoint (${errno})`,
      {
        cause: err,
        hint: ENDPOINT_HINT,
      },
    );
  }
  const failure = describeGcpFailure(err);
  const text = `${step}: ${failure.message}`;
  if (/Could not load the default credentials/i.test(failure.message)) {
    return new EnvironmentError('GCP_NO_CREDENTIALS', text, {
      cause: err,
      hint:
        'run `gcloud auth application-default login`, or set ' +
        'GOOGLE_APPLICATION_CREDENTIALS to a service-account key file',
    });
  }
  const options = { cause: err, status: failure.status };
  switch (failure.status) {
    case 401:
      return new CloudError('GCP_UNAUTHENTICATED', text, {
        ...options,
        hint: 'refresh the credentials: `gcloud auth application-default login`',
      });
    case 403:
      return new CloudError('GCP_PERMISSION_DENIED', text, {
        ...options,
        hint:
          failure.reason === 'accessNotConfigured'
            ? 'enable the API: `gcloud services enable ' +
              'compute.googleapis.com storage.googleapis.com`'
            : 'the account needs roles/compute.admin and ' +
              'roles/storage.admin (or narrower equivalents)',
      });
    case 404:
      return new CloudError('GCP_NOT_FOUND', text, options);
    case 409:
      return new CloudError('GCP_ALREADY_EXISTS', text, options);
  }
  const retryable = isTransientGcpError(err);
  const code = failure.reason
    ? `GCP_${failure.reason.toUpperCase()}`
    : errno && NETWORK_BLIPS.has(errno)
      ? 'GCP_CONNECTION_LOST'
      : 'GCP_ERROR';
  return new CloudError(code, text, { ...options, retryable });
}
