// `skiff image create` refuses what it can learn cheaply (image name,
// bucket, upload route; a local name that is taken; a broken GCP key
// file; no AWS region) before it builds anything.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCreateImage } from '../../providers/index.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests, kernelDir } from '../helpers/kernel.js';

const hello = join(import.meta.dirname, '../../examples/hello-c/hello.c');
let home: Awaited<ReturnType<typeof tempHome>>;
let nowhere: string;

beforeAll(async () => {
  home = await tempHome();
  nowhere = await mkdtemp(join(tmpdir(), 'skiff-nowhere-'));
  await compileC(hello, join(home.dir, 'hello'));
  await writeFile(
    join(home.dir, 'gcp.json'),
    JSON.stringify({
      CloudConfig: {
        ProjectID: 'skiff-test',
        Zone: 'us-central1-a',
        BucketName: 'skiff-images',
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await home.cleanup();
  await rm(nowhere, { recursive: true, force: true });
});

/** Runs `image create` with endpoints that answer nothing. */
function create(...argv: string[]) {
  return createWith({}, ...argv);
}

async function createWith(
  env: Record<string, string | undefined>,
  ...argv: string[]
) {
  const run = await runCli(['image', 'create', './hello', '--json', ...argv], {
    cwd: home.dir,
    env: {
      ...home.env,
      // A real release if there is one: without the checks the build
      // would then succeed and the cloud step fail after it.
      SKIFF_NANOS_DIR: kernelDir(),
      SKIFF_GCP_COMPUTE_ENDPOINT: 'http://127.0.0.1:1',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:1',
      GCE_METADATA_HOST: '127.0.0.1:1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0000',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-checks-test',
      ...env,
    },
  });
  expect(run.code).toBe(1);
  expect(run.stderr).not.toMatch(/^built /m);
  return { ...run, error: JSON.parse(run.stdout).error };
}

describe('image create checks before the build', () => {
  it('refuses a GCP image name GCE would reject', async () => {
    const run = await create('-t', 'gcp', '-c', 'gcp.json', '-i', 'Bad_Name');
    expect(run.error.code).toBe('GCP_NAME_INVALID');
  });

  it('refuses a GCP image create without a bucket', async () => {
    const run = await create(
      '-t',
      'gcp',
      '-g',
      'skiff-test',
      '-z',
      'us-central1-a',
      '-i',
      'web',
    );
    expect(run.error).toMatchObject({
      code: 'GCP_CONFIG_MISSING',
      message: expect.stringContaining('BucketName'),
    });
  });

  it('refuses a name EC2 would reject', async () => {
    const run = await create('-t', 'aws', '-z', 'us-east-1d', '-i', 'ab');
    expect(run.error.code).toBe('AWS_IMAGE_NAME_INVALID');
  });

  it('refuses an unknown upload route, and s3 without a bucket', async () => {
    const aws = ['-t', 'aws', '-z', 'us-east-1d', '-i', 'web'];
    const route = await create(...aws, '--upload', 'ftp');
    expect(route.error.code).toBe('AWS_UPLOAD_ROUTE_INVALID');
    const s3 = await create(...aws, '--upload', 's3');
    expect(s3.error.code).toBe('AWS_BUCKET_REQUIRED');
  });

  it('refuses a KMS key id or alias for the EBS upload, which needs an ARN', async () => {
    await writeFile(
      join(home.dir, 'kms.json'),
      JSON.stringify({
        CloudConfig: { Zone: 'us-east-1d', KMS: 'alias/images' },
      }),
    );
    const run = await create('-t', 'aws', '-c', 'kms.json', '-i', 'web');
    expect(run.error).toMatchObject({
      code: 'AWS_KMS_KEY_NOT_ARN',
      message: expect.stringContaining('"alias/images"'),
      hint: expect.stringContaining(
        'aws kms describe-key --key-id alias/images',
      ),
    });
  });
});

describe('image create checks what it can before the build', () => {
  // The first create builds for real, so it needs a kernel.
  const kernel = findKernelForTests();

  it.skipIf(!kernel)(
    'refuses a local image name that is taken, unless forced',
    async () => {
      const first = await runCli(
        ['image', 'create', './hello', '-i', 'taken'],
        {
          cwd: home.dir,
          env: { ...home.env, SKIFF_NANOS_DIR: kernelDir() },
        },
      );
      expect(first.stderr).toMatch(/^built taken /m);
      expect(first.code).toBe(0);
      const again = await create('-i', 'taken');
      expect(again.error).toMatchObject({
        code: 'IMAGE_EXISTS',
        message: 'an image named "taken" already exists',
        hint: expect.stringContaining('--force'),
      });
      const forced = await runCli(
        ['image', 'create', './hello', '-i', 'taken', '--force'],
        { cwd: home.dir, env: { ...home.env, SKIFF_NANOS_DIR: kernelDir() } },
      );
      expect(forced.code).toBe(0);
    },
    60_000,
  );

  it('refuses a GCP key file that is missing or broken', async () => {
    const gcp = ['-t', 'gcp', '-c', 'gcp.json', '-i', 'web'];
    const missing = join(nowhere, 'sa.json');
    const gone = await createWith(
      { GOOGLE_APPLICATION_CREDENTIALS: missing },
      ...gcp,
    );
    expect(gone.error).toMatchObject({
      code: 'GCP_KEY_FILE_MISSING',
      message: expect.stringContaining(missing),
    });

    const broken = join(home.dir, 'broken-sa.json');
    await writeFile(
      broken,
      JSON.stringify({
        type: 'service_account',
        client_email: 'ci@skiff-test.iam.gserviceaccount.com',
        private_key:
          '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
      }),
    );
    const bad = await createWith(
      { GOOGLE_APPLICATION_CREDENTIALS: broken },
      ...gcp,
    );
    expect(bad.error).toMatchObject({
      code: 'GCP_KEY_FILE_INVALID',
      message: expect.stringContaining(`${broken}, which cannot be used`),
      hint: expect.stringContaining('GOOGLE_APPLICATION_CREDENTIALS'),
    });
    expect(bad.error.message).toContain('private_key');
    expect(bad.stdout).not.toContain('bm90IGEga2V5');

    await writeFile(broken, '{"type": "service_account",');
    const notJson = await createWith(
      { GOOGLE_APPLICATION_CREDENTIALS: broken },
      ...gcp,
    );
    expect(notJson.error).toMatchObject({
      code: 'GCP_KEY_FILE_INVALID',
      message: expect.stringContaining('it is not JSON'),
    });
  });

  it('refuses an AWS image create that names no region', async () => {
    // The SDK reads the profile files' paths from process.env itself.
    const saved = { ...process.env };
    process.env.AWS_CONFIG_FILE = join(nowhere, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(nowhere, 'credentials');
    for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) {
      delete process.env[k];
    }
    try {
      const run = await createWith(
        { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
        '-t',
        'aws',
        '-i',
        'web',
      );
      expect(run.error).toMatchObject({
        code: 'AWS_REGION_MISSING',
        hint: expect.stringContaining('CloudConfig.Zone'),
      });
    } finally {
      process.env = saved;
    }
  });
});

describe('switches a target ignores', () => {
  const config = {
    cloud: { bucketName: 'b', projectId: 'p', zone: 'us-central1-a' },
  } as ResolvedConfig;

  it('warns about them instead of ignoring them silently', () => {
    expect(
      validateCreateImage('aws', 'web', config, { createBucket: true }),
    ).toEqual([expect.stringContaining('--create-bucket is for -t gcp')]);
    expect(
      validateCreateImage('aws', 'web', config, { keepUpload: true }),
    ).toEqual([expect.stringContaining('--keep-upload is ignored')]);
    expect(
      validateCreateImage('aws', 'web', config, {
        keepUpload: true,
        upload: 's3',
      }),
    ).toEqual([]);
    expect(validateCreateImage('gcp', 'web', config, { upload: 's3' })).toEqual(
      [expect.stringContaining('--upload is for -t aws')],
    );
    expect(validateCreateImage('gcp', 'web', config, {})).toEqual([]);
  });

  it('lets --upload s3 take a KMS key id or alias', () => {
    const kms = {
      cloud: { bucketName: 'b', kms: 'alias/images' },
    } as ResolvedConfig;
    expect(validateCreateImage('aws', 'web', kms, { upload: 's3' })).toEqual(
      [],
    );
    const arn = {
      cloud: { kms: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd' },
    } as ResolvedConfig;
    expect(validateCreateImage('aws', 'web', arn, {})).toEqual([]);
  });
});
