// image create: failures the user must see clearly, and uploads that
// survive a dropped connection.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeGcpArtifact } from '../../../providers/gcp/artifact.js';
import type { CliContext } from '../../../src/cli/context.js';
import { renderError } from '../../../src/cli/render-error.js';
import { RecordingLogger } from '../../../src/log.js';
import { configWith, setupGcp, type GcpTestEnv } from './setup.js';

let env: GcpTestEnv;
const drop = { write: () => true };

/** A CLI context that renders to `logger` and writes nothing else. */
function contextFor(logger: RecordingLogger): CliContext {
  const io = { env: {}, stdout: drop, stderr: drop, cwd: '/' };
  const paths = { cacheDir: '/', dataDir: '/', stateDir: '/' };
  return { logger, io, paths, json: false, debug: true } as CliContext;
}

beforeAll(async () => {
  env = await setupGcp();
});

afterAll(async () => {
  await env.close();
});

beforeEach(() => {
  const { fake } = env;
  fake.buckets.clear();
  fake.buckets.add('skiff-images');
  fake.images.clear();
  fake.objects.clear();
  fake.requests.length = 0;
});

function create(name: string, options: Record<string, boolean> = {}) {
  return async (logger = new RecordingLogger(), force = false) =>
    (await env.provider(logger)).createImage({
      name,
      image: env.image,
      config: configWith(env.cloud),
      force,
      options,
    });
}

function shown(err: unknown): string {
  const logger = new RecordingLogger();
  renderError(err, contextFor(logger));
  return logger.text();
}

describe('GCP image create', () => {
  it('shows the cloud code when the import operation ends DONE with an error', async () => {
    env.fake.failNextImage = {
      code: 'INVALID_IMAGE_TAR',
      message: 'The tar archive is not a valid image.',
    };
    const err = await create('broken')().catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'GCP_INVALID_IMAGE_TAR' });
    const text = shown(err);
    expect(text).toContain('creating image broken');
    expect(text).toContain(
      'INVALID_IMAGE_TAR: The tar archive is not a valid image.',
    );
    // Skiff wrote the archive: the hint says to report it, not to rebuild.
    expect(text).toContain('a bug in Skiff');
    expect(text).not.toContain('build it with');
    // The uploaded archive is removed even on failure.
    expect(env.fake.objects.size).toBe(0);
  }, 30_000);

  it('shows every error of a failed import, not only the first', async () => {
    env.fake.failNextImage = [
      { code: 'IMAGE_IMPORT_FAILED', message: 'Import failed.' },
      { code: 'QUOTA_EXCEEDED', message: "Quota 'IMAGES' exceeded." },
    ];
    const err = await create('two')().catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'GCP_IMAGE_IMPORT_FAILED' });
    expect((err as Error).message).toContain(
      "IMAGE_IMPORT_FAILED: Import failed.; QUOTA_EXCEEDED: Quota 'IMAGES' exceeded.",
    );
  }, 30_000);

  it('resumes an upload whose connection dropped mid-chunk', async () => {
    env.fake.dropUploadOnce = true;
    await create('resumed', { keepUpload: true })();

    const stored = env.fake.objects.get('skiff-images/resumed.tar.gz');
    expect(stored).toBeDefined();
    const local = join(env.dir, 'expected.tar.gz');
    await writeGcpArtifact(env.image.path, local);
    expect(stored!.data.equals(await readFile(local))).toBe(true);
    expect(stored!.metadata.contentType).toBe('application/gzip');
    expect(stored!.metadata.contentEncoding).toBeUndefined();
    // The SDK asked where to resume instead of starting over.
    const query = env.fake.requests.find(
      (r) => r.method === 'PUT' && r.headers['content-range'] === 'bytes */*',
    );
    expect(query).toBeDefined();
    const resumedAt = env.fake.requests.find((r) =>
      String(r.headers['content-range']).startsWith('bytes 102400-'),
    );
    expect(resumedAt).toBeDefined();
    expect(env.fake.images.has('resumed')).toBe(true);
  }, 60_000);

  it('names the command that creates a missing bucket', async () => {
    env.fake.buckets.clear();
    const err = await create('nobucket')().catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'GCP_BUCKET_MISSING' });
    expect(shown(err)).toContain(
      'gcloud storage buckets create gs://skiff-images --project=skiff-test --location=us-central1',
    );
    expect(env.fake.requests.some((r) => r.path.startsWith('/upload'))).toBe(
      false,
    );
  });

  it('creates the bucket with --create-bucket', async () => {
    env.fake.buckets.clear();
    await create('newbucket', { createBucket: true })();

    expect(env.fake.buckets.has('skiff-images')).toBe(true);
    expect(env.fake.images.has('newbucket')).toBe(true);
  }, 30_000);

  it('refuses to replace an image unless forced', async () => {
    await create('twice')();
    const before = env.fake.images.get('twice')!.id;

    await expect(create('twice')()).rejects.toMatchObject({
      code: 'IMAGE_EXISTS',
    });
    await create('twice')(new RecordingLogger(), true);
    expect(env.fake.images.get('twice')!.id).not.toBe(before);
  }, 60_000);

  it('warns that a forced replacement whose import fails leaves no image', async () => {
    await create('redo')();
    env.fake.failNextImage = {
      code: 'INVALID_IMAGE_TAR',
      message: 'cannot read the tar.gz',
    };
    const logger = new RecordingLogger();
    await expect(create('redo')(logger, true)).rejects.toMatchObject({
      code: 'GCP_INVALID_IMAGE_TAR',
    });
    expect(env.fake.images.has('redo')).toBe(false);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/old image redo is deleted before .* no image/),
    );
  }, 60_000);

  it('refuses a taken name before the build, unless forced', async () => {
    env.fake.images.set('taken', {
      name: 'taken',
      labels: { 'managed-by': 'skiff' },
    });
    env.fake.images.set('theirs', { name: 'theirs', labels: {} });
    const gcp = await env.provider();

    await expect(gcp.checkCreateImage({ name: 'taken' })).rejects.toMatchObject(
      { code: 'IMAGE_EXISTS', hint: expect.stringContaining('--force') },
    );
    await gcp.checkCreateImage({ name: 'taken', force: true });
    await expect(
      gcp.checkCreateImage({ name: 'theirs', force: true }),
    ).rejects.toMatchObject({ code: 'IMAGE_NOT_SKIFF' });
    await gcp.checkCreateImage({ name: 'free' });
    // Only lookups: nothing uploaded, nothing changed.
    expect(
      env.fake.requests.filter((r) => r.method !== 'GET').map((r) => r.path),
    ).toEqual([]);
  });

  it('never replaces an image Skiff did not make, even with force', async () => {
    env.fake.images.set('theirs', { name: 'theirs', labels: {} });
    await expect(
      create('theirs')(new RecordingLogger(), true),
    ).rejects.toMatchObject({ code: 'IMAGE_NOT_SKIFF' });
    expect(env.fake.images.get('theirs')).toEqual({
      name: 'theirs',
      labels: {},
    });
  });

  it('sends credentials to a private storage endpoint, none to the emulator', async () => {
    const isStorage = (path: string) =>
      /^\/(storage\/v1\/|upload\/storage\/v1\/)?b(\/|$)/.test(path);
    await create('emulated')();
    const emulated = env.fake.requests.filter((r) => isStorage(r.path));
    expect(emulated.length).toBeGreaterThan(0);
    for (const r of emulated) expect(r.headers.authorization).toBeUndefined();

    env.fake.requests.length = 0;
    const gcp = await env.provider(
      new RecordingLogger(),
      {},
      {
        STORAGE_EMULATOR_HOST: undefined,
        SKIFF_GCP_STORAGE_ENDPOINT: env.fake.url,
      },
    );
    await gcp.createImage({
      name: 'private',
      image: env.image,
      config: configWith(env.cloud),
    });
    const endpoint = env.fake.requests.filter((r) => isStorage(r.path));
    // Every call carries the token, except the chunks sent to the upload
    // session's own URI, which GCS takes as the credential.
    const chunks = endpoint.filter((r) => r.query.has('upload_id'));
    const calls = endpoint.filter((r) => !r.query.has('upload_id'));
    expect(chunks.length).toBeGreaterThan(0);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /storage/v1/b/skiff-images',
        'POST /upload/storage/v1/b/skiff-images/o',
        'DELETE /storage/v1/b/skiff-images/o/private.tar.gz',
      ]),
    );
    for (const r of calls) {
      expect(r.headers.authorization).toBe(`Bearer ${env.fake.token}`);
    }
    expect(env.fake.images.has('private')).toBe(true);
  }, 60_000);

  it('validates before any request', async () => {
    const logger = new RecordingLogger();
    await expect(
      env.provider(logger, { projectId: undefined }),
    ).rejects.toMatchObject({
      code: 'GCP_CONFIG_MISSING',
      hint: expect.stringContaining('ProjectID'),
    });
    const gcp = await env.provider(logger, { bucketName: undefined });
    await expect(
      gcp.createImage({
        name: 'x',
        image: env.image,
        config: configWith(env.cloud),
      }),
    ).rejects.toMatchObject({
      code: 'GCP_CONFIG_MISSING',
      message: expect.stringContaining('BucketName'),
      hint: expect.stringContaining('--bucketname'),
    });
    await expect(create('Bad_Name')()).rejects.toMatchObject({
      code: 'GCP_NAME_INVALID',
    });
    expect(env.fake.requests).toEqual([]);
  });

  it('never prints the access token, even in a cloud error', async () => {
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger);
    await gcp.listImages();
    env.fake.failNext = {
      pathIncludes: '/global/images',
      status: 403,
      reason: 'forbidden',
      message: 'denied for {auth}',
    };
    const err = await gcp.listImages().catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain(env.fake.token);

    renderError(err, contextFor(logger));
    logger.debug(`request failed: ${(err as Error).message}`);
    const text = logger.text();
    expect(text).toContain('denied for Bearer ***');
    expect(text).not.toContain(env.fake.token);
    expect(text).not.toContain(env.fake.token.slice(6));
  });
});
