// Error mapping and retry policy, on SDK-shaped errors.
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import {
  deniedAction,
  isTransientAwsError,
  wrapAwsError,
} from '../../../providers/aws/errors.js';
import { backoffDelayMs, withRetry } from '../../../providers/aws/retry.js';

function err(name: string, status: number, message = name) {
  return new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

describe('wrapAwsError', () => {
  it('names the endpoint settings when nothing answers', () => {
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:4566'),
      { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566 },
    );
    const e = wrapAwsError(refused, 'listing AMIs', 'ec2:DescribeImages');
    expect(e).toMatchObject({
      code: 'AWS_UNREACHABLE',
      message: expect.stringContaining(
        'listing AMIs: cannot reach the AWS endpoint at 127.0.0.1:4566',
      ),
      hint: expect.stringContaining('AWS_ENDPOINT_URL'),
    });
  });

  it('says an endpoint that took the connection never answered', () => {
    // What @smithy/node-http-handler rejects with on the socket timeout.
    const silent = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket timed out after ' +
          '30000 ms of inactivity (configured by client requestHandler).',
      ),
      { name: 'TimeoutError' },
    );
    const e = wrapAwsError(silent, 'listing instances', 'ec2:Describe');
    expect(e).toMatchObject({
      code: 'AWS_NO_ANSWER',
      message:
        'listing instances: the AWS endpoint took the connection but ' +
        'never answered, on every try',
      hint: expect.stringContaining('AWS_ENDPOINT_URL'),
    });
    // A waiter out of time is not the endpoint's silence.
    const waiter = Object.assign(new Error('{"state":"TIMEOUT"}'), {
      name: 'TimeoutError',
    });
    expect(wrapAwsError(waiter, 'waiting', 'ec2:Describe').code).not.toBe(
      'AWS_NO_ANSWER',
    );
  });

  it('reads the denied action out of an AccessDenied message', () => {
    const e = wrapAwsError(
      err(
        'AccessDeniedException',
        400,
        'User: arn:aws:sts::1:assumed-role/ci/x is not authorized to perform: ebs:StartSnapshot on resource: arn:aws:ec2:us-east-1::snapshot/*',
      ),
      'starting a snapshot for web',
      'ebs:StartSnapshot',
    );
    expect(e).toMatchObject({ code: 'AWS_ACCESS_DENIED' });
    expect(e.message).toBe(
      'starting a snapshot for web: access denied for ebs:StartSnapshot (AccessDeniedException)',
    );
    expect(e.hint).toContain('allow ebs:StartSnapshot');
    expect(deniedAction('not authorized to perform: iam:PassRole on')).toBe(
      'iam:PassRole',
    );
  });

  it('points bad or missing credentials at the credential settings', () => {
    const e = wrapAwsError(
      Object.assign(
        new Error('Could not load credentials from any providers'),
        {
          name: 'CredentialsProviderError',
        },
      ),
      'listing AMIs',
      'ec2:DescribeImages',
    );
    expect(e).toMatchObject({ code: 'AWS_CREDENTIALS' });
    expect(e.hint).toMatch(/AWS_PROFILE/);
  });

  it('turns "Region is missing" into a config error', () => {
    const e = wrapAwsError(new Error('Region is missing'), 'listing AMIs', 'x');
    expect(e).toMatchObject({
      code: 'AWS_REGION_MISSING',
      hint: expect.stringContaining('CloudConfig.Zone'),
    });
  });

  it('keeps status and retryability of other errors, with the step', () => {
    const e = wrapAwsError(err('InternalError', 503), 'registering AMI a', 'x');
    expect(e).toMatchObject({
      code: 'AWS_API_ERROR',
      status: 503,
      retryable: true,
    });
    expect(e.message).toBe('registering AMI a: InternalError: InternalError');
    const t = wrapAwsError(err('RequestLimitExceeded', 503), 's', 'x');
    expect(t).toMatchObject({ code: 'AWS_THROTTLED' });
  });
});

describe('retry policy', () => {
  it('retries throttling, 5xx and resets, not validation errors', () => {
    expect(isTransientAwsError(err('ThrottlingException', 400))).toBe(true);
    expect(isTransientAwsError(err('Whatever', 429))).toBe(true);
    expect(isTransientAwsError(err('InternalServerException', 500))).toBe(true);
    expect(
      isTransientAwsError(
        Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      ),
    ).toBe(true);
    expect(isTransientAwsError(err('ValidationException', 400))).toBe(false);
    expect(
      isTransientAwsError(
        err('ValidationException', 400, 'Failed to read block data'),
      ),
    ).toBe(true);
  });

  it('backs off exponentially with jitter up to the cap', () => {
    expect(backoffDelayMs(1, 100, 1000, () => 0)).toBe(50);
    expect(backoffDelayMs(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelayMs(4, 100, 1000, () => 0.5)).toBe(600);
    expect(backoffDelayMs(10, 100, 1000, () => 1)).toBe(1000);
  });

  it('stops after maxAttempts and rethrows the last error', async () => {
    let calls = 0;
    const fail = withRetry(
      async () => {
        calls++;
        throw err('ThrottlingException', 400);
      },
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    );
    await expect(fail).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(calls).toBe(3);
  });
});
