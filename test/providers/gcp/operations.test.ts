// Operations: a deadline that passes is reported with the operation name
// and the key that raises it; a wait that loses contact with GCP is
// retried, and one that cannot be completed leaves what GCE may still use.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

beforeEach(() => {
  env.fake.operationWaits = 1;
  env.fake.waitDelayMs = 0;
  env.fake.failNext = undefined;
  env.fake.objects.clear();
});

function createImage(name: string, logger = new RecordingLogger()) {
  return env.provider(logger).then((gcp) =>
    gcp.createImage({
      name,
      image: env.image,
      config: configWith(env.cloud),
    }),
  );
}

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
    // Images are global: the command says so, or gcloud looks in a zone.
    expect((err as { hint: string }).hint).toMatch(
      /gcloud compute operations describe operation-\S+ --global --project=skiff-test/,
    );
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

  it('keeps waiting through a 503 and a dropped connection', async () => {
    env.fake.operationWaits = 3;
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger);
    const waits = () =>
      env.fake.requests.filter((r) => r.path.endsWith('/wait')).length;
    const before = waits();
    env.fake.failNext = {
      pathIncludes: '/wait',
      status: 503,
      reason: 'backendError',
      message: 'The service is currently unavailable.',
    };
    const creating = gcp.createImage({
      name: 'blip',
      image: env.image,
      config: configWith(env.cloud),
    });
    // The reset follows once the 503 has been answered.
    const timer = setInterval(() => {
      if (!env.fake.failNext && waits() === before + 1) {
        env.fake.failNext = {
          pathIncludes: '/wait',
          status: 0,
          reason: '',
          message: '',
          reset: true,
        };
        clearInterval(timer);
      }
    }, 1);
    await creating.finally(() => clearInterval(timer));

    expect(env.fake.images.has('blip')).toBe(true);
    expect(waits() - before).toBeGreaterThanOrEqual(5);
    // The import finished, so the upload went as usual.
    expect(env.fake.objects.has('skiff-images/blip.tar.gz')).toBe(false);
    expect(logger.text()).toMatch(/503|unavailable/i);
  }, 30_000);

  it('keeps the upload when the wait cannot be completed', async () => {
    env.fake.operationWaits = 5;
    env.fake.failNext = {
      pathIncludes: '/wait',
      status: 403,
      reason: 'forbidden',
      message: 'Required compute.globalOperations.get permission',
    };
    const logger = new RecordingLogger();
    const err = await createImage('lost', logger).catch((e: unknown) => e);

    expect(err).toMatchObject({
      code: 'GCP_OPERATION_UNKNOWN',
      message: expect.stringMatching(
        /creating image lost.*compute\.globalOperations\.get/,
      ),
      hint: expect.stringMatching(/operations describe \S+ --global/),
    });
    // GCE may yet import it: the archive stays and the user is told.
    expect(env.fake.objects.has('skiff-images/lost.tar.gz')).toBe(true);
    expect(logger.text()).toContain(
      'gcloud storage rm gs://skiff-images/lost.tar.gz',
    );
  }, 30_000);

  it('keeps the firewall rule when an instance wait keeps failing', async () => {
    env.fake.images.set('app', {
      name: 'app',
      diskSizeGb: '1',
      labels: { 'managed-by': 'skiff' },
    });
    // Every wait on the instance (a zonal operation) answers 503; the
    // rule's (a global one) goes through.
    env.fake.failNext = {
      pathIncludes: '/zones/us-central1-a/operations/',
      status: 503,
      reason: 'backendError',
      message: 'unavailable',
      times: 1_000_000,
    };
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger, {}, {}, undefined, {
      instanceTimeoutMs: 1_000,
    });
    const err = await gcp
      .createInstance({
        name: 'web',
        imageName: 'app',
        config: configWith(env.cloud),
        ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
      })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({
      code: 'GCP_OPERATION_TIMEOUT',
      hint: expect.stringContaining('--zone=us-central1-a'),
    });
    expect(env.fake.firewalls.has('skiff-web-ports')).toBe(true);
    expect(logger.text()).toContain('kept firewall rule skiff-web-ports');
  }, 30_000);
});
