import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile, writeJsonAtomic } from '../../src/state/atomic.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeJsonAtomic', () => {
  it('round-trips and leaves no temp file', async () => {
    const path = join(dir, 'a.json');
    await writeJsonAtomic(path, { a: 1 });
    await writeJsonAtomic(path, { a: 2 });
    expect(await readJsonFile(path)).toEqual({ a: 2 });
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('concurrent writers leave one whole document', async () => {
    const path = join(dir, 'a.json');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writeJsonAtomic(path, { i, pad: 'x'.repeat(10_000) }),
      ),
    );
    const doc = await readJsonFile<{ i: number; pad: string }>(path);
    expect(doc?.pad).toHaveLength(10_000);
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('reads a missing file as undefined', async () => {
    expect(await readJsonFile(join(dir, 'none.json'))).toBeUndefined();
  });
});
