import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  planCopyUnits,
  readSmallInto,
  type CopyJob,
} from '../../src/image/small-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-small-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (position: number, sizeBytes: number): CopyJob => ({
  source: { kind: 'bytes', data: new Uint8Array(sizeBytes) },
  position,
  sizeBytes,
});

describe('planCopyUnits', () => {
  it('batches adjacent small files and isolates large ones', () => {
    const jobs = [
      job(0, 100), // 512
      job(512, 600), // 1024
      job(1536, 10_000), // large
      job(1536 + 10_240, 1),
      job(1536 + 10_240 + 512 + 512, 1), // a gap: new batch
    ];
    expect(planCopyUnits(jobs, 4096, 1 << 20)).toEqual([
      { jobs: [0, 1], batch: { position: 0, sizeBytes: 1536 } },
      { jobs: [2] },
      { jobs: [3], batch: { position: 11776, sizeBytes: 512 } },
      { jobs: [4], batch: { position: 12800, sizeBytes: 512 } },
    ]);
  });

  it('starts a new batch at the size limit', () => {
    const jobs = [job(0, 512), job(512, 512), job(1024, 512)];
    const units = planCopyUnits(jobs, 4096, 1024);
    expect(units.map((u) => u.jobs)).toEqual([[0, 1], [2]]);
  });
});

describe('readSmallInto', () => {
  const host = async (name: string, data: Buffer, planned: number) => {
    const path = join(dir, name);
    await writeFile(path, data);
    return {
      source: { kind: 'host' as const, path, sizeBytes: planned },
      position: 0,
      sizeBytes: planned,
    };
  };

  it('reads a file into its slot and leaves the padding zero', async () => {
    const buf = Buffer.alloc(1024);
    readSmallInto(await host('a', Buffer.alloc(100, 7), 100), buf, 512);
    expect(buf.subarray(512, 612).every((b) => b === 7)).toBe(true);
    expect(buf.subarray(612).every((b) => b === 0)).toBe(true);
  });

  it.each([
    ['grown', 101, 100],
    ['shrunk', 99, 100],
    ['grown, sector-sized', 513, 512],
  ])('names a file that %s since planning', async (_, actual, planned) => {
    const j = await host(`f${actual}`, Buffer.alloc(actual, 1), planned);
    expect(() => readSmallInto(j, Buffer.alloc(1024), 0)).toThrow(
      `${j.source.path} changed size`,
    );
  });
});
