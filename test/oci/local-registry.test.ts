// A registry on this host (localhost, 127.0.0.0/8, ::1) may speak plain
// HTTP without --insecure-registry, as with Docker; any other registry
// stays on HTTPS.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { BlobCache } from '../../src/oci/blob-cache.js';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { linuxPlatform } from '../../src/oci/platform.js';
import { pullImage } from '../../src/oci/pull.js';
import { parseImageReference } from '../../src/oci/reference.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import {
  isLocalRegistry,
  isLoopbackAddress,
  registryHostName,
} from '../../src/oci/registry-host.js';

let dir: string;
let layout: string;
let topDigest: string;
let mediaType: string;
let runs = 0;

/** A registry serving the layout as app:v1. */
function handler(req: IncomingMessage, res: ServerResponse) {
  const m = /^\/v2\/app\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
  if (!m) {
    res.statusCode = req.url === '/v2/' ? 200 : 404;
    return void res.end();
  }
  const digest = m[1] === 'manifests' ? topDigest : m[2]!;
  readFile(join(layout, 'blobs/sha256', digest.slice(7))).then(
    (body) => {
      if (m[1] === 'manifests') res.setHeader('content-type', mediaType);
      res.end(body);
    },
    () => {
      res.statusCode = 404;
      res.end();
    },
  );
}

function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, address, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    }),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-local-registry-'));
  layout = join(dir, 'layout');
  const top = await writeOciLayout(layout, 'v1', [
    {
      architecture: 'amd64',
      layers: [[{ type: 'file', path: 'hello', data: 'hi\n' }]],
      config: {},
    },
  ]);
  topDigest = top.digest;
  mediaType = top.mediaType ?? '';
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function pull(text: string, logger = new RecordingLogger()) {
  const cache = join(dir, `cache-${runs++}`);
  return pullImage(parseImageReference(text), {
    cache: new BlobCache(join(cache, 'blobs')),
    refsDir: join(cache, 'refs'),
    platform: linuxPlatform('amd64'),
    logger,
    retry: { attempts: 1, baseDelayMs: 1 },
  });
}

describe('which registries are on this host', () => {
  it('takes 127.0.0.0/8 and ::1, in any spelling', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect(isLoopbackAddress(a), a).toBe(true);
    }
    for (const a of ['128.0.0.1', '10.0.0.1', '::2', 'localhost']) {
      expect(isLoopbackAddress(a), a).toBe(false);
    }
    expect(registryHostName('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(registryHostName('[::1]:5000')).toBe('::1');
    expect(registryHostName('localhost')).toBe('localhost');
  });

  it('resolves names, as Docker does, and never Docker Hub', async () => {
    const hosts: Record<string, string[]> = {
      'reg.test': ['10.1.2.3', '127.0.0.1'],
      'far.test': ['192.0.2.10'],
    };
    const asked: string[] = [];
    const resolve = async (name: string) => {
      asked.push(name);
      const found = hosts[name];
      if (!found) throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
      return found;
    };
    expect(await isLocalRegistry('reg.test:5000', resolve)).toBe(true);
    expect(await isLocalRegistry('far.test:5000', resolve)).toBe(false);
    expect(await isLocalRegistry('gone.test', resolve)).toBe(false);
    expect(await isLocalRegistry('[::1]:5000', resolve)).toBe(true);
    expect(await isLocalRegistry('docker.io', resolve)).toBe(false);
    expect(asked).toEqual(['reg.test', 'far.test', 'gone.test']);
    expect(await isLocalRegistry('localhost:5000')).toBe(true);
  });
});

describe('a plain-HTTP registry on this host', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer(handler);
    port = await listen(server, '127.0.0.1');
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('is pulled from without --insecure-registry', async () => {
    const logger = new RecordingLogger();
    const img = await pull(`127.0.0.1:${port}/app:v1`, logger);
    expect(img.layers).toHaveLength(1);
    expect(logger.lines.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/is on this host and has no HTTPS .*plain HTTP/),
    );
  });

  it('by the name localhost too', async () => {
    const img = await pull(`localhost:${port}/app:v1`);
    expect(img.layers).toHaveLength(1);
  });
});

describe('any other registry', () => {
  it('stays on HTTPS: plain HTTP needs --insecure-registry', async () => {
    const urls: string[] = [];
    const client = new RegistryClient({
      registry: 'far.test:5000',
      repository: 'app',
      logger: new RecordingLogger(),
      resolveHost: async () => ['192.0.2.10'],
      retry: { attempts: 1, baseDelayMs: 1 },
      fetch: (async (url: URL) => {
        urls.push(String(url));
        throw new TypeError('fetch failed', {
          cause: { code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
        });
      }) as unknown as typeof fetch,
    });
    await expect(client.getManifest('v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      hint: 'for a registry without TLS, add --insecure-registry',
    });
    expect(urls.every((u) => u.startsWith('https://far.test:5000/'))).toBe(
      true,
    );
  });

  it('is tried on HTTP first when it resolves to this host', async () => {
    const urls: string[] = [];
    const client = new RegistryClient({
      registry: 'reg.test:5000',
      repository: 'app',
      logger: new RecordingLogger(),
      resolveHost: async () => ['127.0.0.1'],
      retry: { attempts: 1, baseDelayMs: 1 },
      fetch: (async (url: URL) => {
        urls.push(String(url));
        if (String(url).startsWith('https:')) {
          throw new TypeError('fetch failed', {
            cause: { code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
          });
        }
        return new Response('{}', { status: 404 });
      }) as unknown as typeof fetch,
    });
    await expect(client.getManifest('v1')).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
    });
    expect(urls).toEqual([
      'https://reg.test:5000/v2/',
      'http://reg.test:5000/v2/app/manifests/v1',
    ]);
  });

  it.skipIf(!nonLoopbackAddress())(
    'on another address of this machine is not "on this host"',
    async () => {
      const address = nonLoopbackAddress()!;
      const server = createServer(handler);
      const port = await listen(server, address);
      try {
        await expect(pull(`${address}:${port}/app:v1`)).rejects.toMatchObject({
          code: 'REGISTRY_UNREACHABLE',
          hint: 'for a registry without TLS, add --insecure-registry',
        });
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
  );
});

describe('a local registry with a certificate Node does not trust', () => {
  it.skipIf(!hasOpenssl())('keeps HTTPS and says how to trust it', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    const server = createTlsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      handler,
    ) as unknown as Server;
    const port = await listen(server, '127.0.0.1');
    try {
      await expect(pull(`127.0.0.1:${port}/app:v1`)).rejects.toMatchObject({
        code: 'REGISTRY_UNREACHABLE',
        message: expect.stringContaining('DEPTH_ZERO_SELF_SIGNED_CERT'),
        hint: expect.stringContaining('NODE_EXTRA_CA_CERTS'),
      });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

function nonLoopbackAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return undefined;
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
