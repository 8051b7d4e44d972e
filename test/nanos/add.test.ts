// `skiff nanos add`: a local release tarball into the cache, recorded as a
// download would be, then used offline by `nanos path` and checked on use.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { releaseTarball } from '../helpers/release-tarball.js';

let tmp: string;
let env: Record<string, string>;

const sha256 = (b: Buffer | string) =>
  createHash('sha256').update(b).digest('hex');

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-nanos-add-'));
  const cache = join(tmp, 'cache');
  env = { SKIFF_CACHE_DIR: cache, SKIFF_HOME: tmp, SKIFF_NANOS_DIR: '' };
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

const cached = (v: string) => join(tmp, 'cache', 'nanos', v);

describe('skiff nanos add', () => {
  it('adds a tarball under the version in its name and records it', async () => {
    const tgz = await releaseTarball({
      'kernel.img': 'KERNEL',
      'boot.img': 'BOOT',
      'klibs/ntp': 'NTP',
    });
    const file = join(tmp, 'nanos-release-linux-1.2.3.tar.gz');
    await writeFile(file, tgz);

    const r = await runCli(['nanos', 'add', file], { env, cwd: tmp });
    expect(r.stderr).toContain('added Nanos 1.2.3');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(cached('1.2.3'));
    const manifest = JSON.parse(
      await readFile(join(cached('1.2.3'), 'release.json'), 'utf8'),
    );
    expect(manifest).toEqual({
      version: '1.2.3',
      source: file,
      archiveSha256: sha256(tgz),
      files: {
        'boot.img': sha256('BOOT'),
        'kernel.img': sha256('KERNEL'),
        'klibs/ntp': sha256('NTP'),
      },
    });

    const path = await runCli(['nanos', 'path', '1.2.3', '--offline'], {
      env,
    });
    expect(path.stdout.trim()).toBe(cached('1.2.3'));
    await writeFile(join(cached('1.2.3'), 'kernel.img'), 'TAMPERED');
    const tampered = await runCli(['nanos', 'path', '1.2.3', '--offline'], {
      env,
    });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('kernel.img');
  });

  it('takes the version for any name, and --force to replace', async () => {
    const file = join(tmp, 'my-kernel.tgz');
    await writeFile(file, await releaseTarball({ 'rel/kernel.img': 'ONE' }));
    const unnamed = await runCli(['nanos', 'add', file], { env });
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain(`skiff nanos add ${file} 0.1.54`);

    const r = await runCli(['nanos', 'add', file, '9.0'], {
      env,
    });
    expect(r.code).toBe(0);
    await writeFile(file, await releaseTarball({ 'kernel.img': 'TWO' }));
    const again = await runCli(['nanos', 'add', file, '9.0'], {
      env,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already in the cache');
    expect(await readFile(join(cached('9.0'), 'kernel.img'), 'utf8')).toBe(
      'ONE',
    );
    const forced = await runCli(['nanos', 'add', file, '9.0', '--force'], {
      env,
    });
    expect(forced.code).toBe(0);
    expect(await readFile(join(cached('9.0'), 'kernel.img'), 'utf8')).toBe(
      'TWO',
    );
  });

  it('refuses a tarball other than SKIFF_NANOS_SHA256 names', async () => {
    const file = join(tmp, 'nanos-release-linux-1.0.tar.gz');
    await writeFile(file, await releaseTarball({ 'kernel.img': 'K' }));
    const r = await runCli(['nanos', 'add', file], {
      env: { ...env, SKIFF_NANOS_SHA256: 'a'.repeat(64) },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SKIFF_NANOS_SHA256');
    expect(existsSync(cached('1.0'))).toBe(false);
  });

  it('leaves nothing in the cache for a file that is no release', async () => {
    const notGzip = join(tmp, 'nanos-release-linux-2.0.tar.gz');
    await writeFile(notGzip, 'not a tarball');
    const bad = await runCli(['nanos', 'add', notGzip], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is not a gzip'd tar");

    const noKernel = join(tmp, 'nanos-release-linux-3.0.tar.gz');
    await writeFile(noKernel, await releaseTarball({ 'boot.img': 'B' }));
    const empty = await runCli(['--json', 'nanos', 'add', noKernel], { env });
    expect(empty.code).toBe(1);
    expect(JSON.parse(empty.stdout).error).toMatchObject({
      code: 'NANOS_ARCHIVE_INVALID',
      message: expect.stringContaining('holds no kernel.img'),
    });

    const missing = await runCli(['nanos', 'add', join(tmp, 'nope.tgz')], {
      env,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    expect(await readdir(join(tmp, 'cache', 'nanos'))).toEqual([]);
  });
});
