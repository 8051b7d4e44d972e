// Operations: a deadline that passes is reported with the operation name
// and the key that raises it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const gcp = await env.provider(undefined, { imageTimeoutSeconds: 1 });
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
    expect(env.fake.objects.size).toBe(0);
  }, 30_000);
});
