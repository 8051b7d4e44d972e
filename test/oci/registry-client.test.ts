// The registry client against a small HTTP fake: bearer token auth with
// credentials, manifest negotiation, a blob redirect to another origin,
// a transient 503, digest checks, and an offline second pull.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { BlobCache } from '../../src/oci/blob-cache.js';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { linuxPlatform } from '../../src/oci/platform.js';
import { pullImage, type PullOptions } from '../../src/oci/pull.js';
import { parseImageReference } from '../../src/oci/reference.js';

const TOKEN = 'tok-9f8e7d6c5b4a';
const PASSWORD = 's3cret-pass-word';

interface Fake {
  host: string;
  blobHost: string;
  seen: {
    blobAuth: (string | undefined)[];
    accept: string[];
    requests: string[];
    retriedAfter503?: boolean;
  };
  corrupt: Set<string>;
  /** Milliseconds before each manifest answer (a slow registry). */
  delay: { manifestMs: number };
  /** Manifests answered with a proxy's HTML page, with no digest header. */
  junk: { manifests: boolean };
  /**
   * Blob digests whose next answers stop after half the bytes: the
   * connection is cut ('drop') or left hanging ('stall'), `times` times.
   */
  cut: Map<string, { mode: 'drop' | 'stall'; times: number }>;
  blobGets: string[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    }),
  );
}

async function startFake(layout: string, topDigest: string): Promise<Fake> {
  const seen: Fake['seen'] = { blobAuth: [], accept: [], requests: [] };
  const corrupt = new Set<string>();
  const delay = { manifestMs: 0 };
  const junk = { manifests: false };
  const cut: Fake['cut'] = new Map();
  const blobGets: string[] = [];
  const blob = (d: string) =>
    readFile(join(layout, 'blobs/sha256', d.slice(7)));
  const blobs = createServer(async (req, res) => {
    seen.blobAuth.push(req.headers.authorization);
    const digest = req.url!.split('/').pop()!;
    blobGets.push(digest);
    const body = await blob(digest);
    const c = cut.get(digest);
    if (c && c.times > 0) {
      c.times--;
      res.setHeader('content-length', body.length);
      res.write(body.subarray(0, body.length >> 1));
      if (c.mode === 'drop') setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(
      corrupt.has(digest) ? Buffer.concat([body, Buffer.from('x')]) : body,
    );
  });
  const blobPort = await listen(blobs);
  let failedOnce: string | false = false;
  const registry = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    seen.requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/token') {
      const basic = Buffer.from(`alice:${PASSWORD}`).toString('base64');
      if (req.headers.authorization !== `Basic ${basic}`) {
        res.statusCode = 401;
        return res.end();
      }
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ token: TOKEN }));
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.statusCode = 401;
      res.setHeader(
        'www-authenticate',
        `Bearer realm="http://${req.headers.host}/token",service="fake",scope="repository:team/app:pull"`,
      );
      return res.end();
    }
    const m = /^\/v2\/team\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) {
      res.statusCode = 404;
      return res.end();
    }
    if (m[1] === 'manifests') {
      seen.accept.push(String(req.headers.accept));
      if (delay.manifestMs) {
        await new Promise((r) => setTimeout(r, delay.manifestMs));
      }
      if (junk.manifests) {
        res.setHeader('content-type', 'text/html');
        return res.end('<html><body>502 Bad Gateway</body></html>');
      }
      const ref = m[2] === 'v1' ? topDigest : m[2]!;
      if (!ref.startsWith('sha256:')) {
        res.statusCode = 404;
        return res.end();
      }
      const body = await blob(ref).catch(() => undefined);
      if (!body) {
        res.statusCode = 404;
        return res.end();
      }
      const doc = JSON.parse(body.toString()) as { mediaType: string };
      res.setHeader('content-type', doc.mediaType);
      res.setHeader('docker-content-digest', ref);
      return res.end(body);
    }
    if (failedOnce === url.pathname) seen.retriedAfter503 = true;
    if (!failedOnce) {
      failedOnce = url.pathname;
      res.statusCode = 503;
      return res.end('busy');
    }
    res.statusCode = 307;
    res.setHeader('location', `http://127.0.0.1:${blobPort}/storage/${m[2]}`);
    res.end();
  });
  const port = await listen(registry);
  return {
    host: `127.0.0.1:${port}`,
    blobHost: `127.0.0.1:${blobPort}`,
    seen,
    corrupt,
    delay,
    junk,
    cut,
    blobGets,
    close: async () => {
      await new Promise((r) => registry.close(r));
      await new Promise((r) => blobs.close(r));
      registry.closeAllConnections();
      blobs.closeAllConnections();
    },
  };
}

let dir: string;
let fake: Fake;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
  const arm = {
    architecture: 'arm64',
    variant: 'v8',
    layers: [[{ type: 'file' as const, path: 'which', data: 'arm64\n' }]],
    config: { Cmd: ['x'] },
  };
  const amd = {
    architecture: 'amd64',
    layers: [[{ type: 'file' as const, path: 'which', data: 'amd64\n' }]],
    config: { Cmd: ['x'] },
  };
  const top = await writeOciLayout(join(dir, 'layout'), 'v1', [arm, amd]);
  fake = await startFake(join(dir, 'layout'), top.digest);
});
afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

function options(logger: RecordingLogger, arch = 'amd64'): PullOptions {
  return {
    cache: new BlobCache(join(dir, 'cache/blobs')),
    refsDir: join(dir, 'cache/refs'),
    platform: linuxPlatform(arch),
    insecure: true,
    credentials: { username: 'alice', password: PASSWORD },
    logger,
  };
}

async function layerText(path: string): Promise<string> {
  const { gunzipSync } = await import('node:zlib');
  return gunzipSync(await readFile(path)).toString('latin1');
}

describe('pullImage over HTTP', () => {
  it('authenticates, picks the platform, follows the blob redirect', async () => {
    const logger = new RecordingLogger();
    const ref = parseImageReference(`${fake.host}/team/app:v1`);
    const img = await pullImage(ref, options(logger));
    expect(await layerText(img.layers[0]!.path)).toContain('amd64\n');
    expect(img.config.architecture).toBe('amd64');
    expect(fake.seen.accept[0]).toContain(
      'application/vnd.oci.image.index.v1+json',
    );
    expect(fake.seen.accept[0]).toContain(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    // The first blob GET got a 503 and was retried.
    expect(fake.seen.retriedAfter503).toBe(true);
    // The registry's token must not travel to the storage host.
    expect(fake.seen.blobAuth.length).toBeGreaterThan(0);
    expect(fake.seen.blobAuth.every((a) => a === undefined)).toBe(true);
    logger.info(`leak check ${TOKEN} ${PASSWORD}`);
    expect(logger.text()).not.toContain(TOKEN);
    expect(logger.text()).not.toContain(PASSWORD);
  });

  it('selects arm64 with --arch arm64', async () => {
    const img = await pullImage(
      parseImageReference(`${fake.host}/team/app:v1`),
      options(new RecordingLogger(), 'arm64'),
    );
    expect(await layerText(img.layers[0]!.path)).toContain('arm64\n');
  });

  it('rejects a blob whose bytes do not match its digest', async () => {
    const cacheDir = join(dir, 'cache/blobs/sha256');
    const probe = await pullImage(
      parseImageReference(`${fake.host}/team/app:v1`),
      options(new RecordingLogger()),
    );
    const bad = probe.layers[0]!.digest;
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    fake.corrupt.add(bad);
    await expect(
      pullImage(
        parseImageReference(`${fake.host}/team/app:v1`),
        options(new RecordingLogger()),
      ),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    const left = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
    expect(left).not.toContain(bad.slice(7));
    expect(left.filter((n) => n.startsWith('.tmp'))).toEqual([]);
  });

  it('asks for docker login when anonymous access is refused', async () => {
    const anonymous = { ...options(new RecordingLogger()) };
    delete anonymous.credentials;
    await expect(
      pullImage(parseImageReference(`${fake.host}/team/app:v1`), anonymous),
    ).rejects.toMatchObject({
      code: 'REGISTRY_UNAUTHORIZED',
      hint: expect.stringContaining(`docker login ${fake.host}`),
    });
  });

  it('names a missing tag', async () => {
    await expect(
      pullImage(
        parseImageReference(`${fake.host}/team/app:nope`),
        options(new RecordingLogger()),
      ),
    ).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: expect.stringContaining('team/app:nope'),
    });
  });

  it('writes a missing digest reference with @', async () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    await expect(
      pullImage(
        parseImageReference(`${fake.host}/team/app@${digest}`),
        options(new RecordingLogger()),
      ),
    ).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: `image ${fake.host}/team/app@${digest} not found in the registry`,
    });
  });

  it('pulls again from the cache when the registry is gone', async () => {
    const ref = parseImageReference(`${fake.host}/team/app:v1`);
    const first = await pullImage(ref, options(new RecordingLogger()));
    await fake.close();
    const logger = new RecordingLogger();
    const second = await pullImage(ref, options(logger));
    expect(second.layers.map((l) => l.digest)).toEqual(
      first.layers.map((l) => l.digest),
    );
    expect(
      logger.lines.some(
        (l) => l.level === 'warn' && /unreachable/.test(l.message),
      ),
    ).toBe(true);
  });

  it('never remembers a tag answered with no manifest', async () => {
    const ref = parseImageReference(`${fake.host}/team/app:v1`);
    const first = await pullImage(ref, options(new RecordingLogger()));
    fake.junk.manifests = true;
    await expect(
      pullImage(ref, options(new RecordingLogger())),
    ).rejects.toMatchObject({ code: 'OCI_JSON_INVALID' });
    await fake.close();
    const logger = new RecordingLogger();
    const offline = await pullImage(ref, options(logger));
    expect(offline.configDigest).toBe(first.configDigest);
    const topDigest = await readFile(
      join(dir, 'cache/refs', fake.host, 'team/app/v1.digest'),
      'utf8',
    );
    expect(logger.text()).toContain(
      `using the cached ${ref.text} (${topDigest})`,
    );
  });

  it('caches nothing for a tag whose first answer is no manifest', async () => {
    const ref = parseImageReference(`${fake.host}/team/app:v1`);
    fake.junk.manifests = true;
    await expect(
      pullImage(ref, options(new RecordingLogger())),
    ).rejects.toMatchObject({ code: 'OCI_JSON_INVALID' });
    expect(existsSync(join(dir, 'cache/refs'))).toBe(false);
    await fake.close();
    await expect(
      pullImage(ref, options(new RecordingLogger())),
    ).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
  });

  it('reports Ctrl-C as an abort, not as an unreachable registry', async () => {
    const ref = parseImageReference(`${fake.host}/team/app:v1`);
    await pullImage(ref, options(new RecordingLogger()));
    fake.delay.manifestMs = 5000;
    const controller = new AbortController();
    const logger = new RecordingLogger();
    setTimeout(() => controller.abort(new Error('received SIGINT')), 200);
    const started = Date.now();
    await expect(
      pullImage(ref, { ...options(logger), signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'ABORTED',
      cause: expect.objectContaining({ message: 'received SIGINT' }),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    // The cached tag is not used as if the registry were down.
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  async function layerDigest(): Promise<string> {
    const probe = await pullImage(
      parseImageReference(`${fake.host}/team/app:v1`),
      options(new RecordingLogger()),
    );
    await rm(join(dir, 'cache'), { recursive: true, force: true });
    return probe.layers[0]!.digest;
  }

  it('starts a blob over when the connection drops mid-body', async () => {
    const digest = await layerDigest();
    fake.cut.set(digest, { mode: 'drop', times: 1 });
    fake.blobGets.length = 0;
    const img = await pullImage(
      parseImageReference(`${fake.host}/team/app:v1`),
      { ...options(new RecordingLogger()), retry: FAST_RETRY },
    );
    expect(await layerText(img.layers[0]!.path)).toContain('amd64\n');
    expect(fake.blobGets.filter((d) => d === digest)).toHaveLength(2);
  });

  it('starts a blob over when its body stalls', async () => {
    const digest = await layerDigest();
    fake.cut.set(digest, { mode: 'stall', times: 1 });
    const img = await pullImage(
      parseImageReference(`${fake.host}/team/app:v1`),
      {
        ...options(new RecordingLogger()),
        retry: FAST_RETRY,
        stallTimeoutMs: 300,
      },
    );
    expect(await layerText(img.layers[0]!.path)).toContain('amd64\n');
  });

  it('names the blob and the registry when every attempt is cut', async () => {
    const digest = await layerDigest();
    fake.cut.set(digest, { mode: 'drop', times: 99 });
    await expect(
      pullImage(parseImageReference(`${fake.host}/team/app:v1`), {
        ...options(new RecordingLogger()),
        retry: FAST_RETRY,
      }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_DOWNLOAD_FAILED',
      message: expect.stringMatching(
        new RegExp(`blob ${digest} of ${fake.host}/team/app .*3 attempts`),
      ),
    });
  });
});

const FAST_RETRY = { attempts: 3, baseDelayMs: 10 };

describe('a registry that never answers', () => {
  it('gives up after the stall deadline on each attempt', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => sockets.push(s));
    const port = await listen(silent as unknown as Server);
    const cacheDir = await mkdtemp(join(tmpdir(), 'skiff-silent-'));
    const started = Date.now();
    try {
      await expect(
        pullImage(parseImageReference(`127.0.0.1:${port}/team/app:v1`), {
          cache: new BlobCache(join(cacheDir, 'blobs')),
          refsDir: join(cacheDir, 'refs'),
          platform: linuxPlatform('amd64'),
          insecure: true,
          logger: new RecordingLogger(),
          retry: { attempts: 2, baseDelayMs: 10 },
          stallTimeoutMs: 200,
        }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_UNREACHABLE',
        message: `registry 127.0.0.1:${port} did not answer within 0.2 s`,
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(sockets.length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
