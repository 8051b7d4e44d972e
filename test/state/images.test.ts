import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserError } from '../../src/errors.js';
import type { SkiffPaths } from '../../src/paths.js';
import {
  imageDiskPath,
  imagesDir,
  listImageRecords,
  readImageRecord,
  removeImage,
  storeImage,
  type ImageRecord,
} from '../../src/state/images.js';

let home: string;
let paths: SkiffPaths;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'skiff-img-'));
  paths = {
    cacheDir: join(home, 'cache'),
    dataDir: join(home, 'data'),
    stateDir: join(home, 'state'),
  };
});
afterEach(() => rm(home, { recursive: true, force: true }));

function record(name: string): ImageRecord {
  return {
    version: 1,
    name,
    createdAt: new Date().toISOString(),
    sizeBytes: 4,
    uefi: false,
    arch: 'x86_64',
    rebootOnExit: false,
    program: '/hello',
    ports: [],
    cpus: 1,
    memoryBytes: 1 << 20,
  };
}

async function built(content: string): Promise<string> {
  const path = join(home, `built-${content}.img`);
  await writeFile(path, content);
  return path;
}

describe('image store', () => {
  it('stores (moving the built file), lists, reads and removes', async () => {
    const src = await built('one');
    await storeImage(paths, src, record('web'), false);
    expect(await readFile(imageDiskPath(paths, 'web'), 'utf8')).toBe('one');
    await expect(readFile(src)).rejects.toThrow();
    expect((await listImageRecords(paths)).map((r) => r.name)).toEqual(['web']);
    await removeImage(paths, 'web');
    expect(await readImageRecord(paths, 'web')).toBeUndefined();
    expect(await readdir(imagesDir(paths))).toEqual([]);
  });

  it('refuses an existing name without force, replaces it with force', async () => {
    await storeImage(paths, await built('one'), record('web'), false);
    const err = (await storeImage(
      paths,
      await built('two'),
      record('web'),
      false,
    ).catch((e: unknown) => e)) as UserError;
    expect(err.code).toBe('IMAGE_EXISTS');
    expect(err.hint).toContain('--force');
    expect(await readFile(imageDiskPath(paths, 'web'), 'utf8')).toBe('one');
    await storeImage(paths, await built('three'), record('web'), true);
    expect(await readFile(imageDiskPath(paths, 'web'), 'utf8')).toBe('three');
    expect((await readdir(imagesDir(paths))).sort()).toEqual([
      'web.img',
      'web.json',
    ]);
  });

  it('lets one of several concurrent stores of a name win', async () => {
    const sources = await Promise.all(
      ['a', 'b', 'c', 'd'].map((c) => built(c)),
    );
    const results = await Promise.allSettled(
      sources.map((s) => storeImage(paths, s, record('web'), false)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await readdir(imagesDir(paths))).sort()).toEqual([
      'web.img',
      'web.json',
    ]);
  });

  it('does not list a record whose disk is missing', async () => {
    await storeImage(paths, await built('one'), record('web'), false);
    await rm(imageDiskPath(paths, 'web'));
    expect(await listImageRecords(paths)).toEqual([]);
  });
});
