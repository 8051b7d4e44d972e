// The whole user journey against the fake: image create, list, instance
// create with a port, logs, stop/start, delete instance, delete image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../src/log.js';
import { configWith, GIB, setupGcp, type GcpTestEnv } from './setup.js';

let env: GcpTestEnv;

beforeAll(async () => {
  env = await setupGcp();
  env.fake.buckets.add('skiff-images');
});

afterAll(async () => {
  await env.close();
});

describe('GCP provider lifecycle', () => {
  it('creates an image, runs an instance, reads logs, deletes both', async () => {
    const { fake } = env;
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger);

    const image = await gcp.createImage({
      name: 'sf-console',
      image: env.image,
      config: configWith(env.cloud),
    });
    expect(image).toMatchObject({
      name: 'sf-console',
      target: 'gcp',
      status: 'ready',
      sizeBytes: GIB,
    });
    const inserted = fake.images.get('sf-console')!;
    expect(inserted.rawDisk.source).toBe(
      'https://storage.googleapis.com/skiff-images/sf-console.tar.gz',
    );
    expect(inserted.architecture).toBe('X86_64');
    expect(inserted.guestOsFeatures).toEqual([{ type: 'GVNIC' }]);
    expect(inserted.labels).toEqual({ team: 'web', 'managed-by': 'skiff' });
    // The upload went through a resumable session, was not transcoded, and
    // was removed once the image existed.
    const session = fake.requests.find(
      (r) => r.method === 'POST' && r.query.get('uploadType') === 'resumable',
    );
    expect(session).toBeDefined();
    expect(fake.objects.size).toBe(0);
    const chunkPuts = fake.requests.filter(
      (r) => r.method === 'PUT' && r.path.startsWith('/upload/'),
    );
    expect(chunkPuts.length).toBeGreaterThan(1);
    expect(logger.lines.some((l) => l.level === 'progress')).toBe(true);

    expect((await gcp.listImages()).map((i) => i.name)).toEqual(['sf-console']);

    const vm = await gcp.createInstance({
      name: 'sf',
      imageName: 'sf-console',
      config: configWith(env.cloud, { baseVolumeBytes: 2.5 * GIB }),
      ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
    });
    expect(vm).toMatchObject({
      name: 'sf',
      image: 'sf-console',
      state: 'running',
      publicIp: '203.0.113.7',
      ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
    });
    const body = fake.instances.get('sf')!;
    expect(body.machineType).toBe('zones/us-central1-a/machineTypes/e2-small');
    expect(body.disks[0].initializeParams).toMatchObject({
      sourceImage: 'projects/skiff-test/global/images/sf-console',
      diskSizeGb: '3',
    });
    expect(body.labels['managed-by']).toBe('skiff');
    expect(body.tags.items).toEqual(['skiff-sf-vm']);
    expect(fake.firewalls.get('skiff-sf-ports')).toMatchObject({
      targetTags: ['skiff-sf-vm'],
      allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
      sourceRanges: ['0.0.0.0/0'],
    });

    fake.writeSerial('sf', 'en1: assigned 10.0.0.2\n');
    const first = await gcp.readLogs('sf', 0);
    expect(first.text).toBe('en1: assigned 10.0.0.2\n');
    expect(first.dropped).toBeUndefined();
    fake.writeSerial('sf', 'listening on :80\n');
    const second = await gcp.readLogs('sf', first.nextOffset);
    expect(second.text).toBe('listening on :80\n');

    await gcp.stopInstance('sf');
    expect((await gcp.getInstance('sf')).state).toBe('stopped');
    await gcp.startInstance('sf');
    expect((await gcp.listInstances()).map((i) => [i.name, i.state])).toEqual([
      ['sf', 'running'],
    ]);

    await expect(gcp.deleteImage('sf-console')).rejects.toMatchObject({
      code: 'IMAGE_IN_USE',
    });
    await gcp.deleteInstance('sf');
    expect(fake.instances.has('sf')).toBe(false);
    expect(fake.firewalls.has('skiff-sf-ports')).toBe(false);
    await gcp.deleteImage('sf-console');
    expect(fake.images.size).toBe(0);

    // Every Compute call carried the ADC token from the metadata server.
    const compute = fake.requests.filter((r) =>
      r.path.startsWith('/compute/v1/'),
    );
    expect(compute.length).toBeGreaterThan(10);
    for (const r of compute) {
      expect(r.headers.authorization).toBe(`Bearer ${fake.token}`);
    }
    expect(logger.text()).not.toContain(fake.token);
  }, 60_000);

  it('lists only Skiff instances', async () => {
    env.fake.instances.set('other', {
      name: 'other',
      status: 'RUNNING',
      labels: { team: 'web' },
    });
    const gcp = await env.provider();
    expect(await gcp.listInstances()).toEqual([]);
    await expect(gcp.deleteInstance('other')).rejects.toMatchObject({
      code: 'INSTANCE_NOT_SKIFF',
    });
    expect(env.fake.instances.has('other')).toBe(true);
    env.fake.instances.delete('other');
  });

  it('picks an Arm machine type for an arm64 image unless a Flavor is set', async () => {
    const { fake } = env;
    const labels = { 'managed-by': 'skiff' };
    fake.images.set('x86', { name: 'x86', architecture: 'X86_64', labels });
    fake.images.set('arm', { name: 'arm', architecture: 'ARM64', labels });
    const create = async (name: string, image: string, flavor?: string) => {
      const gcp = await env.provider(undefined, flavor ? { flavor } : {});
      await gcp.createInstance({
        name,
        imageName: image,
        config: configWith(env.cloud),
        ports: [],
      });
      return String(fake.instances.get(name)!.machineType);
    };

    expect(await create('vm-x86', 'x86')).toBe(
      'zones/us-central1-a/machineTypes/e2-small',
    );
    expect(await create('vm-arm', 'arm')).toBe(
      'zones/us-central1-a/machineTypes/t2a-standard-1',
    );
    expect(await create('vm-big', 'arm', 't2a-standard-4')).toBe(
      'zones/us-central1-a/machineTypes/t2a-standard-4',
    );
    for (const name of ['vm-x86', 'vm-arm', 'vm-big']) {
      fake.instances.delete(name);
    }
  });

  it('lists every page of images and instances', async () => {
    const { fake } = env;
    const labels = { 'managed-by': 'skiff' };
    for (let i = 1; i <= 5; i++) {
      fake.images.set(`img-${i}`, {
        name: `img-${i}`,
        status: 'READY',
        labels,
      });
      fake.instances.set(`vm-${i}`, {
        name: `vm-${i}`,
        status: 'RUNNING',
        labels,
      });
    }
    fake.pageSize = 2;
    fake.requests.length = 0;
    try {
      const gcp = await env.provider();
      const images = (await gcp.listImages()).map((i) => i.name);
      const instances = (await gcp.listInstances()).map((i) => i.name);

      expect(images).toEqual(expect.arrayContaining(['img-1', 'img-5']));
      expect(images.filter((n) => n.startsWith('img-'))).toHaveLength(5);
      expect(instances.sort()).toEqual([
        'vm-1',
        'vm-2',
        'vm-3',
        'vm-4',
        'vm-5',
      ]);
      const pages = fake.requests.filter((r) => r.query.has('pageToken'));
      expect(pages.length).toBeGreaterThanOrEqual(4);
    } finally {
      fake.pageSize = Infinity;
      for (let i = 1; i <= 5; i++) {
        fake.images.delete(`img-${i}`);
        fake.instances.delete(`vm-${i}`);
      }
    }
  });
});
