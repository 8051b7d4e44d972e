// Client settings come from the environment handed in, never process.env.
import { describe, expect, it } from 'vitest';
import {
  createAwsClients,
  credentialsFrom,
  endpointFor,
} from '../../../providers/aws/clients.js';
import { RecordingLogger } from '../../../src/log.js';

describe('AWS client settings', () => {
  it('prefers the per-service endpoint over AWS_ENDPOINT_URL', () => {
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2',
    };
    expect(endpointFor(env, 'S3')).toBe('http://127.0.0.1:2');
    expect(endpointFor(env, 'EC2')).toBe('http://127.0.0.1:1');
    expect(
      endpointFor(
        { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
        'S3',
      ),
    ).toBeUndefined();
  });

  it('registers keys as secrets and applies region and endpoints', async () => {
    const logger = new RecordingLogger();
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE1234',
      AWS_SECRET_ACCESS_KEY: 'fakeSecretKeyValue/abcdefghijkl',
      AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:4566',
    };
    expect(credentialsFrom(env, logger)?.accessKeyId).toBe(
      env.AWS_ACCESS_KEY_ID,
    );
    logger.debug(`leak ${env.AWS_SECRET_ACCESS_KEY} ${env.AWS_ACCESS_KEY_ID}`);
    expect(logger.text()).toBe('leak *** ***');

    const clients = createAwsClients(env, 'us-west-2', logger);
    expect(await clients.ec2.config.region()).toBe('us-west-2');
    const ep = await clients.ec2.config.endpoint?.();
    expect(`${ep?.protocol}//${ep?.hostname}:${ep?.port}`).toBe(
      'http://127.0.0.1:4566',
    );
    const creds = await clients.ebs.config.credentials();
    expect(creds.secretAccessKey).toBe(env.AWS_SECRET_ACCESS_KEY);
    expect(clients.s3.config.forcePathStyle).toBe(false);
    expect(await clients.ebs.config.maxAttempts()).toBe(1);
  });
});
