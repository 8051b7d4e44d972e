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

  it('stops a long server-side wait on Ctrl-C', async () => {
    env.fake.instances.set('busy', {
      name: 'busy',
      status: 'RUNNING',
      labels: { 'managed-by': 'skiff' },
    });
    env.fake.operationWaits = 1;
    env.fake.waitDelayMs = 60_000;
    const controller = new AbortController();
    const gcp = await env.provider(undefined, {}, {}, controller.signal);
    const started = Date.now();
    const stopping = gcp.stopInstance('busy');
    setTimeout(() => controller.abort(), 300);

    await expect(stopping).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(5_000);
    env.fake.waitDelayMs = 0;
  }, 30_000);
});
