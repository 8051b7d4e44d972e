// The GCP walkthrough through the CLI against the local fake: build -t gcp,
// image create/list, instance create/list/logs/stop/start/delete, image
// delete. Needs a Nanos release (skipped without one).
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileC, runCli, tempHome } from '../../helpers/cli-run.js';
import { findKernelForTests } from '../../helpers/kernel.js';
import { fakeEndpoints, setupGcp, type GcpTestEnv } from './setup.js';

const kernel = findKernelForTests();

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const example = join(import.meta.dirname, '../../../examples/hello-c');

describe.skipIf(!kernel)('skiff on GCP (fake)', () => {
  let gcp: GcpTestEnv;
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });
  const target = ['-t', 'gcp', '-c', 'config.json'];

  beforeAll(async () => {
    gcp = await setupGcp();
    gcp.fake.buckets.add('skiff-images');
    home = await tempHome();
    env = {
      ...home.env,
      SKIFF_NANOS_DIR: kernel!,
      ...fakeEndpoints(gcp),
    };
    await compileC(join(example, 'hello.c'), join(home.dir, 'hello'));
    const config = join(home.dir, 'config.json');
    await copyFile(join(example, 'config.json'), config);
    const raw = JSON.parse(await readFile(config, 'utf8'));
    raw.CloudConfig = {
      ProjectID: 'skiff-test',
      Zone: 'us-central1-a',
      BucketName: 'skiff-images',
    };
    await writeFile(config, JSON.stringify(raw));
    // Instance commands read only RunConfig/CloudConfig and BaseVolumeSz.
    await writeFile(
      join(home.dir, 'instance.json'),
      JSON.stringify({ CloudConfig: raw.CloudConfig, BaseVolumeSz: '3g' }),
    );
  });
  afterAll(async () => {
    await home?.cleanup();
    await gcp?.close();
  });

  it('builds the upload artifact with build -t gcp', async () => {
    const run = await cli('build', './hello', ...target, '-o', 'server.tar.gz');
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    expect((await stat(join(home.dir, 'server.tar.gz'))).size).toBeGreaterThan(
      0,
    );
    expect(gcp.fake.requests).toEqual([]);
  }, 60_000);

  it('explains a missing bucket, or creates it with --create-bucket', async () => {
    gcp.fake.buckets.clear();
    const args = ['image', 'create', './hello', ...target, '-i', 'kept'];
    const missing = await cli(...args);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'gcloud storage buckets create gs://skiff-images',
    );

    const made = await cli(...args, '--create-bucket', '--keep-upload');
    expect(made.stderr).not.toContain('error');
    expect(made.code).toBe(0);
    expect(gcp.fake.buckets.has('skiff-images')).toBe(true);
    expect(gcp.fake.objects.has('skiff-images/kept.tar.gz')).toBe(true);
    gcp.fake.images.clear();
    gcp.fake.objects.clear();
  }, 120_000);

  it('takes the bucket from --bucketname over CloudConfig', async () => {
    gcp.fake.buckets.add('flag-bucket');
    const args = ['image', 'create', './hello', ...target, '-i', 'flagged'];
    const run = await cli(
      ...args,
      '--bucketname',
      'flag-bucket',
      '--keep-upload',
    );
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    expect(gcp.fake.objects.has('flag-bucket/flagged.tar.gz')).toBe(true);
    expect(gcp.fake.objects.has('skiff-images/flagged.tar.gz')).toBe(false);
    gcp.fake.images.clear();
    gcp.fake.objects.clear();
  }, 120_000);

  it('creates, runs, reads and deletes', async () => {
    const made = await cli(
      'image',
      'create',
      './hello',
      ...target,
      '--imagename',
      'sf-console',
      '--json',
    );
    expect(made.stderr).not.toContain('error');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      name: 'sf-console',
      target: 'gcp',
      status: 'ready',
    });
    expect(gcp.fake.images.has('sf-console')).toBe(true);

    const images = await cli('image', 'list', ...target);
    expect(images.stdout).toContain('sf-console');

    const vm = await cli(
      'instance',
      'create',
      '-t',
      'gcp',
      '-c',
      'instance.json',
      '--instance-name',
      'sf',
      'sf-console',
      '-p',
      '80',
      '--flavor',
      'e2-micro',
    );
    expect(vm.stderr).not.toContain('error');
    expect(vm.code).toBe(0);
    expect(gcp.fake.instances.get('sf')!.machineType).toBe(
      'zones/us-central1-a/machineTypes/e2-micro',
    );
    expect(gcp.fake.firewalls.has('skiff-sf-ports')).toBe(true);
    expect(
      gcp.fake.instances.get('sf')!.disks[0].initializeParams.diskSizeGb,
    ).toBe('3');

    const list = await cli('instance', 'list', ...target);
    expect(list.stdout).toMatch(/sf\s/);

    gcp.fake.writeSerial('sf', 'Hello from Nanos\n');
    const logs = await cli('instance', 'logs', ...target, 'sf');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('Hello from Nanos');

    // -w follows new output, warns about a gap, ends when the VM stops.
    let seen = '';
    const following = runCli(
      ['instance', 'logs', ...target, 'sf', '-w', '--interval', '20'],
      { env, cwd: home.dir, onStdout: (t) => (seen += t) },
    );
    await waitUntil(() => seen.includes('Hello from Nanos'));
    gcp.fake.writeSerial('sf', 'x'.repeat(5000) + 'late line\n', 1000);
    await waitUntil(() => seen.includes('late line'));
    gcp.fake.instances.get('sf')!.status = 'TERMINATED';
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stderr).toContain('some log output was lost');

    expect((await cli('instance', 'stop', ...target, 'sf')).code).toBe(0);
    expect(gcp.fake.instances.get('sf')!.status).toBe('TERMINATED');
    expect((await cli('instance', 'start', ...target, 'sf')).code).toBe(0);
    expect((await cli('instance', 'delete', ...target, 'sf')).code).toBe(0);
    expect(gcp.fake.instances.size).toBe(0);
    expect(gcp.fake.firewalls.size).toBe(0);

    const gone = await cli('image', 'delete', ...target, 'sf-console');
    expect(gone.code).toBe(0);
    expect(gcp.fake.images.size).toBe(0);
    const all = [made, images, vm, list, logs, gone]
      .map((r) => r.stdout + r.stderr)
      .join('\n');
    expect(all).not.toContain(gcp.fake.token);
  }, 120_000);
});
