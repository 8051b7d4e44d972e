// What a failed registry call tells the user: an abort stays an abort,
// a stall or a refused connection names the registry, and a download cut
// short names the blob. Also which failures are worth another attempt.
import {
  CloudError,
  EnvironmentError,
  SkiffError,
  UserError,
  errnoCode,
} from '../errors.js';
import { abortError } from './abort.js';
import { isTransientError } from './http-retry.js';
import { isCertificateError } from './registry-host.js';
import { StallError } from './stall-watch.js';

export interface NetworkErrorContext {
  url: URL;
  insecure: boolean;
  signal?: AbortSignal | undefined;
}

/** A failure before the response: the registry is unreachable. */
export function networkError(err: unknown, ctx: NetworkErrorContext): unknown {
  const { url, signal } = ctx;
  if (signal?.aborted) {
    return abortError(signal, `talking to registry ${url.host}`);
  }
  if (err instanceof SkiffError) return err;
  if (err instanceof StallError) {
    return new EnvironmentError(
      'REGISTRY_UNREACHABLE',
      `registry ${url.host} did not answer within ${err.ms / 1000} s`,
      { cause: err, hint: 'check the registry address and your network' },
    );
  }
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? '';
  const tlsProblem = /SSL|TLS|EPROTO|CERT/i.test(
    `${code} ${cause?.message ?? ''}`,
  );
  let hint = 'check the registry address and your network';
  if (isCertificateError(code)) {
    hint =
      `the certificate of ${url.host} is not trusted (${cause?.message}): ` +
      "add its CA to the system's, or run with NODE_EXTRA_CA_CERTS=ca.pem";
  } else if (tlsProblem && !ctx.insecure) {
    hint = 'for a registry without TLS, add --insecure-registry';
  }
  return new EnvironmentError(
    'REGISTRY_UNREACHABLE',
    `cannot reach registry ${url.host} (${code || (err as Error).message})`,
    { cause: err, hint },
  );
}

/** Worth another attempt: dropped connections, stalls, 429 and 5xx. */
export function isRetryableDownload(err: unknown): boolean {
  if (err instanceof StallError) return true;
  if (err instanceof CloudError) return err.retryable;
  if (err instanceof SkiffError) return err.code === 'REGISTRY_UNREACHABLE';
  return isTransientError(err) || errnoCode(err) === 'ECONNRESET';
}

/** A download that failed for good, naming the blob and the attempts. */
export function downloadError(
  err: unknown,
  what: string,
  attempts: number,
): unknown {
  if (err instanceof SkiffError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? err.cause : undefined;
  const detail = cause instanceof Error ? ` (${cause.message})` : '';
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return new EnvironmentError(
    'REGISTRY_DOWNLOAD_FAILED',
    `downloading ${what} failed after ${tries}: ${text}${detail}`,
    {
      cause: err,
      hint:
        'check the network and the registry, then run again (blobs ' +
        'already downloaded are kept)',
    },
  );
}

/** Throws for an HTTP error answer, naming the step and the fix. */
export async function expectOk(
  res: Response,
  step: string,
  registry: string,
): Promise<void> {
  if (res.ok) return;
  const text = (await res.text().catch(() => '')).slice(0, 300);
  if (res.status === 401 || res.status === 403) {
    throw new UserError(
      'REGISTRY_UNAUTHORIZED',
      `${step}: access denied (HTTP ${res.status})`,
      {
        hint: `log in with \`docker login ${registry}\` or check the image name`,
      },
    );
  }
  if (res.status === 429) {
    throw new CloudError(
      'REGISTRY_RATE_LIMITED',
      `${step}: the registry's rate limit was reached (HTTP 429)`,
      {
        status: 429,
        retryable: true,
        hint: `wait, or log in (\`docker login ${registry}\`) for a higher limit`,
      },
    );
  }
  throw new CloudError(
    'REGISTRY_HTTP_ERROR',
    `${step}: HTTP ${res.status} ${text}`.trim(),
    { status: res.status, retryable: res.status >= 500 },
  );
}
