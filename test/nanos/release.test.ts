import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseTarball } from '../helpers/release-tarball.js';
import { RecordingLogger } from '../../src/log.js';
import { resolveNanosRelease } from '../../src/nanos/release.js';
import { nanosCacheDir, type SkiffPaths } from '../../src/paths.js';
import { SkiffError } from '../../src/errors.js';

let tmp: string;
let paths: SkiffPaths;
let server: Server | undefined;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-nanos-'));
  paths = { cacheDir: join(tmp, 'cache'), dataDir: tmp, stateDir: tmp };
});

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  await rm(tmp, { recursive: true, force: true });
});

/** Serves `routes` on 127.0.0.1 and records every path asked for. */
async function serve(routes: Record<string, Buffer>) {
  const asked: string[] = [];
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const body = routes[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end('no');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server!.address() as AddressInfo).port;
  return { baseUrl: `http://127.0.0.1:${port}/nanos/release`, asked };
}

describe('resolveNanosRelease', () => {
  it('downloads, checksums and caches the x86-64 tarball', async () => {
    const tgz = await releaseTarball({
      'kernel.img': 'KERNEL',
      'boot.img': 'BOOT',
      'klibs/ntp': 'NTP',
    });
    const { baseUrl, asked } = await serve({
      '/nanos/release/9.9.9/nanos-release-linux-9.9.9.tar.gz': tgz,
    });
    const logger = new RecordingLogger();

    const release = await resolveNanosRelease({
      version: '9.9.9',
      paths,
      baseUrl,
      logger,
    });

    const dir = nanosCacheDir(paths, '9.9.9');
    expect(release.dir).toBe(dir);
    expect(await readFile(release.kernelPath, 'utf8')).toBe('KERNEL');
    expect(release.bootPath).toBe(join(dir, 'boot.img'));
    expect(release.klibsDir).toBe(join(dir, 'klibs'));
    expect(release.uefiLoaderPath).toBeUndefined();
    const manifest = JSON.parse(
      await readFile(join(dir, 'release.json'), 'utf8'),
    );
    const sha = (s: string | Buffer) =>
      createHash('sha256').update(s).digest('hex');
    expect(manifest.archiveSha256).toBe(sha(tgz));
    expect(manifest.files['klibs/ntp']).toBe(sha('NTP'));
    expect(asked).toHaveLength(1);

    // Second call: from the cache, no request.
    await resolveNanosRelease({ version: '9.9.9', paths, baseUrl, logger });
    expect(asked).toHaveLength(1);
  });

  it('strips a top folder from the tarball', async () => {
    const tgz = await releaseTarball({
      'rel/kernel.img': 'K',
      'rel/boot.img': 'B',
    });
    const { baseUrl, asked } = await serve({
      '/nanos/release/1.0.0/nanos-release-linux-1.0.0.tar.gz': tgz,
    });
    const release = await resolveNanosRelease({
      version: '1.0.0',
      paths,
      baseUrl,
      logger: new RecordingLogger(),
    });
    expect(await readFile(release.kernelPath, 'utf8')).toBe('K');
    expect(asked).toEqual([
      '/nanos/release/1.0.0/nanos-release-linux-1.0.0.tar.gz',
    ]);
  });

  it('lists every place it tried when nothing works', async () => {
    const { baseUrl } = await serve({});
    const err = await resolveNanosRelease({
      version: '2.0.0',
      paths,
      baseUrl,
      logger: new RecordingLogger(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkiffError);
    const e = err as SkiffError;
    expect(e.code).toBe('NANOS_NOT_FOUND');
    expect(e.message).toContain(nanosCacheDir(paths, '2.0.0'));
    expect(e.message).toContain('linux-2.0.0.tar.gz: HTTP 404');
    expect(e.hint).toContain('--nanos-dir');
    expect(e.hint).toContain('SKIFF_NANOS_DIR');
  });

  it('refuses a cached file whose checksum changed', async () => {
    const tgz = await releaseTarball({ 'kernel.img': 'KERNEL' });
    const { baseUrl } = await serve({
      '/nanos/release/3.0.0/nanos-release-linux-3.0.0.tar.gz': tgz,
    });
    const opts = {
      version: '3.0.0',
      paths,
      baseUrl,
      logger: new RecordingLogger(),
    };
    const release = await resolveNanosRelease(opts);
    await writeFile(release.kernelPath, 'TAMPERED');

    const err = (await resolveNanosRelease(opts).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('NANOS_CACHE_CORRUPT');
    expect(err.message).toContain('kernel.img (checksum mismatch)');
    expect(err.hint).toContain('skiff nanos clear 3.0.0');
  });

  it('accepts a hand-made cache folder with release.json', async () => {
    const dir = nanosCacheDir(paths, '0.1.54');
    await mkdir(join(dir, 'klibs'), { recursive: true });
    await writeFile(join(dir, 'kernel.img'), 'K');
    await writeFile(
      join(dir, 'release.json'),
      JSON.stringify({
        version: '0.1.54',
        source: 'hand-built',
        files: {
          'kernel.img': createHash('sha256').update('K').digest('hex'),
        },
      }),
    );
    const release = await resolveNanosRelease({
      version: '0.1.54',
      paths,
      offline: true,
      logger: new RecordingLogger(),
    });
    expect(release.kernelPath).toBe(join(dir, 'kernel.img'));
    expect(release.bootPath).toBeUndefined();
  });

  it('names what an explicit --nanos-dir lacks', async () => {
    const err = (await resolveNanosRelease({
      dir: tmp,
      paths,
      logger: new RecordingLogger(),
    }).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('NANOS_DIR_INCOMPLETE');
    expect(err.message).toContain(tmp);
    expect(err.message).toContain('kernel.img');
  });

  it('uses an explicit folder without checksums', async () => {
    await writeFile(join(tmp, 'kernel.img'), 'K');
    await writeFile(join(tmp, 'bootx64.efi'), 'E');
    const release = await resolveNanosRelease({
      dir: tmp,
      paths,
      logger: new RecordingLogger(),
    });
    expect(release.uefiLoaderPath).toBe(join(tmp, 'bootx64.efi'));
  });

  it('does not touch the network when offline', async () => {
    const { baseUrl, asked } = await serve({});
    const err = (await resolveNanosRelease({
      version: '4.0.0',
      paths,
      baseUrl,
      offline: true,
      logger: new RecordingLogger(),
    }).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('NANOS_NOT_FOUND');
    expect(asked).toHaveLength(0);
  });
});
