// SKIFF_NANOS_SHA256 pins the release tarball: a download or a cached
// release from another tarball is refused, and nothing wrong is cached.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseTarball } from '../helpers/release-tarball.js';
import { RecordingLogger } from '../../src/log.js';
import { resolveNanosRelease } from '../../src/nanos/release.js';
import { nanosCacheDir, type SkiffPaths } from '../../src/paths.js';

let tmp: string;
let paths: SkiffPaths;
let server: Server;
let baseUrl: string;
let tgzSha: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-pin-'));
  paths = { cacheDir: join(tmp, 'cache'), dataDir: tmp, stateDir: tmp };
  const tgz = await releaseTarball({
    'kernel.img': 'KERNEL',
    'boot.img': 'BOOT',
  });
  tgzSha = createHash('sha256').update(tgz).digest('hex');
  server = createServer((_req, res) => res.writeHead(200).end(tgz));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await rm(tmp, { recursive: true, force: true });
});

const resolveWith = (archiveSha256?: string) =>
  resolveNanosRelease({
    version: '9.9.9',
    paths,
    baseUrl,
    logger: new RecordingLogger(),
    archiveSha256,
  });

describe('a pinned Nanos tarball', () => {
  it('refuses a download with another hash and caches nothing', async () => {
    const err = await resolveWith('ab'.repeat(32)).catch((e) => e);
    expect(err.code).toBe('NANOS_CHECKSUM_MISMATCH');
    expect(err.message).toContain(tgzSha);
    expect(existsSync(nanosCacheDir(paths, '9.9.9'))).toBe(false);
  });

  it('takes the matching one, then refuses a cache of another', async () => {
    const release = await resolveWith(tgzSha.toUpperCase());
    expect(release.kernelPath).toContain('9.9.9');
    await expect(resolveWith(tgzSha)).resolves.toBeDefined();
    const err = await resolveWith('cd'.repeat(32)).catch((e) => e);
    expect(err.code).toBe('NANOS_CHECKSUM_MISMATCH');
    // The pin first: clearing may delete the only kernel offline.
    expect(err.hint).toMatch(/^check SKIFF_NANOS_SHA256 first/);
    expect(err.hint).toContain('skiff nanos clear 9.9.9');
  });

  it('says when the cached release records no tarball hash', async () => {
    await resolveWith();
    const manifest = join(nanosCacheDir(paths, '9.9.9'), 'release.json');
    const { archiveSha256: _dropped, ...rest } = JSON.parse(
      await readFile(manifest, 'utf8'),
    );
    await writeFile(manifest, JSON.stringify(rest));
    const err = await resolveWith('cd'.repeat(32)).catch((e) => e);
    expect(err.code).toBe('NANOS_CHECKSUM_MISMATCH');
    expect(err.message).toContain('records no tarball SHA-256');
    expect(err.message).not.toContain('none recorded');
    expect(err.hint).toMatch(/^check SKIFF_NANOS_SHA256 first/);
  });
});
