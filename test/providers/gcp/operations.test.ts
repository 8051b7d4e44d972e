// Operations: a deadline that passes is reported with the operation name
// and the key that raises it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../src/log.js';
import { configWith, setupGcp, type GcpTestEnv } from './setup.js';

let env: GcpTestEnv;

beforeAll(async () => {
  env = await setupGcp();
  env.fake.buckets.add('skiff-images');
});

afterAll(async () => {
  await env.close();
});

describe('GCP operations', () => {
  it('stops waiting at CloudConfig.ImageTimeoutSeconds', async () => {
    env.fake.operationWaits = 1_000_000;
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger, { imageTimeoutSeconds: 1 });
    const started = Date.now();
    const err = await gcp
      .createImage({
        name: 'slow',
        image: env.image,
        config: configWith(env.cloud),
      })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({
      code: 'GCP_OPERATION_TIMEOUT',
      message: expect.stringMatching(/creating image slow.*after 1 s/),
      hint: expect.stringContaining('ImageTimeoutSeconds'),
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    // GCE may still be importing: the archive stays, and the user is told.
    expect(env.fake.objects.has('skiff-images/slow.tar.gz')).toBe(true);
    expect(logger.text()).toContain(
      'gcloud storage rm gs://skiff-images/slow.tar.gz',
    );
  }, 30_000);
});
