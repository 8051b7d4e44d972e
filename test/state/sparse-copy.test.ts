// Instance disks are copies that keep the image's holes: the bytes are
// the same, the blocks on disk only those of the data.
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyByChunks, copySparse } from '../../src/state/sparse-copy.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-sparse-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const MiB = 1 << 20;

/** 256 MiB, data only at 0, 100 MiB and 1 byte before the end. */
async function sparseImage(path: string): Promise<void> {
  const fh = await open(path, 'w');
  await fh.write(Buffer.alloc(4096, 1), 0, 4096, 0);
  await fh.write(Buffer.from('middle'), 0, 6, 100 * MiB + 7);
  await fh.truncate(256 * MiB);
  await fh.write(Buffer.from('!'), 0, 1, 256 * MiB - 1);
  await fh.close();
}

describe.each([
  ['copySparse', copySparse],
  ['copyByChunks', copyByChunks],
])('%s', (_name, copy) => {
  it('copies every byte and keeps the holes', async () => {
    const src = join(dir, 'image.img');
    const dest = join(dir, 'disk.img');
    await sparseImage(src);
    await copy(src, dest);
    const [a, b] = await Promise.all([readFile(src), readFile(dest)]);
    expect(b.length).toBe(256 * MiB);
    expect(b.equals(a)).toBe(true);
    // Allocated: a few chunks at most, far from the 256 MiB size.
    expect((await stat(dest)).blocks * 512).toBeLessThan(8 * MiB);
  });

  it('keeps a trailing hole by the size', async () => {
    const src = join(dir, 'tail.img');
    const fh = await open(src, 'w');
    await fh.write(Buffer.from('head'), 0, 4, 0);
    await fh.truncate(64 * MiB);
    await fh.close();
    await copy(src, join(dir, 'copy.img'));
    expect((await stat(join(dir, 'copy.img'))).size).toBe(64 * MiB);
  });
});
