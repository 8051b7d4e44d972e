// `skiff image create -t gcp|aws` refuses what needs no network (image
// name, bucket, upload route) before it builds anything.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCreateImage } from '../../providers/index.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';
import { kernelDir } from '../helpers/kernel.js';

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
async function create(...argv: string[]) {
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
});

describe('switches a target ignores', () => {
  const config = { cloud: { bucketName: 'b' } } as ResolvedConfig;

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
});
