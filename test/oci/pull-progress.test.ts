// Download progress: throttled to a few updates a second, and shown only
// on a terminal, never with --json.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLogger, RecordingLogger } from '../../src/log.js';
import type { Logger } from '../../src/log.js';
import { BlobCache } from '../../src/oci/blob-cache.js';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { linuxPlatform } from '../../src/oci/platform.js';
import { pullImage } from '../../src/oci/pull.js';
import { parseImageReference } from '../../src/oci/reference.js';

let dir: string;
let server: Server;
let host: string;
let runs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-progress-'));
  const layout = join(dir, 'layout');
  // Random bytes: gzip cannot shrink them, so the blob is 4 MiB.
  const data = randomBytes(4 << 20);
  const top = await writeOciLayout(layout, 'v1', [
    {
      architecture: 'amd64',
      layers: [[{ type: 'file', path: 'big', data }]],
      config: {},
    },
  ]);
  server = createServer(async (req, res) => {
    const m = /^\/v2\/app\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    if (!m) {
      res.statusCode = 404;
      return res.end();
    }
    const digest = m[1] === 'manifests' ? top.digest : m[2]!;
    const body = await readFile(join(layout, 'blobs/sha256', digest.slice(7)));
    if (m[1] === 'manifests') {
      res.setHeader('content-type', top.mediaType ?? '');
      return res.end(body);
    }
    // Many small chunks, as over a real network.
    for (let i = 0; i < body.length; i += 16 << 10) {
      if (!res.write(body.subarray(i, i + (16 << 10)))) {
        await new Promise((r) => res.once('drain', r));
      }
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

function pull(logger: Logger) {
  const cache = join(dir, `cache-${runs++}`);
  return pullImage(parseImageReference(`${host}/app:v1`), {
    cache: new BlobCache(join(cache, 'blobs')),
    refsDir: join(cache, 'refs'),
    platform: linuxPlatform('amd64'),
    insecure: true,
    logger,
  });
}

function terminal(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    chunks,
    isTTY,
    write(c: string | Uint8Array) {
      chunks.push(String(c));
      return true;
    },
  };
}

describe('pull progress', () => {
  it('updates at most about ten times a second, and at the end', async () => {
    const logger = new RecordingLogger();
    const started = Date.now();
    await pull(logger);
    const elapsed = Date.now() - started;
    const lines = logger.lines.filter((l) => l.level === 'progress');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    const last = lines.at(-1)!.message.split(' ').pop()!;
    const [done, total] = last.split('/');
    expect(done).toBe(total);
  });

  it('draws on a terminal only, and never with --json', async () => {
    const cases = [
      { tty: true, json: false, shown: true },
      { tty: false, json: false, shown: false },
      { tty: true, json: true, shown: false },
    ];
    for (const c of cases) {
      const stderr = terminal(c.tty);
      const logger = createConsoleLogger({
        stdout: terminal(false),
        stderr,
        level: 'info',
        json: c.json,
      });
      await pull(logger);
      const drawn = stderr.chunks.some((s) => s.includes('pulling'));
      expect(drawn, JSON.stringify(c)).toBe(c.shown);
    }
  });
});
