// Turns AWS SDK failures into Skiff errors that name the step, the
// resource and, for permission failures, the IAM action that was denied.
import {
  AbortError,
  CloudError,
  EnvironmentError,
  errnoCode,
  SkiffError,
  UserError,
} from '../../src/errors.js';

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'Forbidden',
]);

const BAD_CREDENTIALS = new Set([
  'CredentialsProviderError',
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'TokenRefreshRequired',
]);

const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);

const TRANSIENT = new Set([
  'InternalServerException',
  'InternalServerError',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

const ENDPOINT_HINT =
  'check the network and the region, or AWS_ENDPOINT_URL / ' +
  'AWS_ENDPOINT_URL_<SERVICE> if set';

/** Nothing answered at the endpoint: a setting, not a cloud failure. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** The fields of an SDK v3 service exception that matter here. */
interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function shape(err: unknown): AwsErrorShape {
  return err && typeof err === 'object' ? (err as AwsErrorShape) : {};
}

export function awsErrorName(err: unknown): string {
  const e = shape(err);
  return e.name ?? e.code ?? 'Error';
}

export function awsStatus(err: unknown): number | undefined {
  return shape(err).$metadata?.httpStatusCode;
}

export function isThrottle(err: unknown): boolean {
  return THROTTLED.has(awsErrorName(err)) || awsStatus(err) === 429;
}

/** Worth another attempt: throttling, 5xx, dropped connections. */
export function isTransientAwsError(err: unknown): boolean {
  const e = shape(err);
  const name = awsErrorName(err);
  const status = awsStatus(err);
  if (isThrottle(err) || TRANSIENT.has(name)) return true;
  if (status !== undefined && status >= 500) return true;
  if (e.$retryable) return true;
  if (e.code && NETWORK_ERRNO.has(e.code)) return true;
  // A resent request whose body stream was consumed fails this way
  // (ops PR#1268); blocks are Buffers, so a resend carries the data.
  return /failed to read block data|socket hang up/i.test(e.message ?? '');
}

export function isAccessDenied(err: unknown): boolean {
  return ACCESS_DENIED.has(awsErrorName(err));
}

/** e.g. "... is not authorized to perform: ec2:RunInstances on ...". */
export function deniedAction(message: string): string | undefined {
  return /perform:\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
}

function encodedMessage(message: string): string | undefined {
  return /Encoded authorization failure message:\s*(\S+)/.exec(message)?.[1];
}

/**
 * Wraps an SDK error. `step` says what Skiff was doing and to what
 * ("registering AMI sf-console"); `action` is the API action called
 * ("ec2:RegisterImage"), used when the message does not name it.
 */
export function wrapAwsError(
  err: unknown,
  step: string,
  action: string,
): SkiffError {
  if (err instanceof SkiffError) return err;
  const name = awsErrorName(err);
  const status = awsStatus(err);
  const message = shape(err).message ?? String(err);
  if (name === 'AbortError' && !isTransientAwsError(err)) {
    return new AbortError(`${step}: interrupted`, { cause: err });
  }
  const errno = errnoCode(err);
  if (errno && UNREACHABLE.has(errno)) {
    const { address, port } = err as { address?: string; port?: number };
    const at = address ? ` at ${address}${port ? `:${port}` : ''}` : '';
    return new EnvironmentError(
      'AWS_UNREACHABLE',
      `${step}: cannot reach the AWS endpoint${at} (${errno})`,
      {
        cause: err,
        hint: ENDPOINT_HINT,
      },
    );
  }
  if (name === 'TimeoutError' && /socket timed out/.test(message)) {
    // The socket idle timeout of clients.ts, after the SDK's retries
    // (waiters that run out of time throw a TimeoutError too).
    return new EnvironmentError(
      'AWS_NO_ANSWER',
      `${step}: the AWS endpoint took the connection but never ` +
        'answered, on every try',
      { cause: err, hint: ENDPOINT_HINT },
    );
  }
  if (isAccessDenied(err)) {
    const denied = deniedAction(message) ?? action;
    const encoded = encodedMessage(message);
    return new CloudError(
      'AWS_ACCESS_DENIED',
      `${step}: access denied for ${denied} (${name})`,
      {
        status,
        cause: err,
        hint:
          `allow ${denied} in the IAM policy of the credentials in use` +
          (encoded
            ? `; details: aws sts decode-authorization-message ` +
              `--encoded-message ${encoded}`
            : ''),
      },
    );
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new CloudError('AWS_CREDENTIALS', `${step}: ${name}: ${message}`, {
      status,
      cause: err,
      hint:
        'check the AWS credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY, `aws configure` or `aws sso login`',
    });
  }
  if (/region is missing/i.test(message)) {
    return new UserError('AWS_REGION_MISSING', `${step}: no AWS region set`, {
      cause: err,
      hint: 'set CloudConfig.Zone (e.g. us-east-1a), pass -z, or set AWS_REGION',
    });
  }
  const odd = oddAnswer(err, name, message, status);
  if (odd) {
    return new CloudError('AWS_BAD_ANSWER', `${step}: ${odd}`, {
      status,
      cause: err,
      retryable: isTransientAwsError(err),
      hint: ENDPOINT_HINT,
    });
  }
  return new CloudError(
    isThrottle(err) ? 'AWS_THROTTLED' : 'AWS_API_ERROR',
    `${step}: ${name}: ${message}`,
    { status, cause: err, retryable: isTransientAwsError(err) },
  );
}

/**
 * What was wrong with an answer that is no AWS error at all, if so: a
 * status with no error code in the body (the SDK says "Unknown"), a body
 * it cannot parse (a proxy's HTML page), a connection dropped before any
 * answer. Such answers mostly come from something that is not AWS at the
 * endpoint, so the message says what came back instead of quoting it.
 */
function oddAnswer(
  err: unknown,
  name: string,
  message: string,
  status: number | undefined,
): string | undefined {
  const http = status ? `HTTP ${status}` : 'an answer';
  if (/Deserialization error/.test(message)) {
    return `the AWS endpoint sent ${http} that is not an AWS API response`;
  }
  if (name === 'Unknown' || /^Unknown(Error)?$/.test(message)) {
    return `the AWS endpoint sent ${http} with no AWS error in it`;
  }
  if (errnoCode(err) === 'ECONNRESET') {
    return (
      'the AWS endpoint closed the connection without an answer, on ' +
      'every try'
    );
  }
  return undefined;
}

/** Runs one SDK call and wraps its failure with the step and action. */
export async function awsStep<T>(
  step: string,
  action: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw wrapAwsError(err, step, action);
  }
}
