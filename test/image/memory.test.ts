// A 1 GiB (sparse) host file goes into an image without the writer
// holding it in memory: peak RSS growth stays far below the file size.
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/image/read.js';
import { writeImage } from '../../src/image/write.js';
import { walkthroughSpec } from './fixtures.js';

const GIB = 1024 * 1024 * 1024;
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('streaming', () => {
  it('copies a 1 GiB file with bounded memory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-mem-'));
    const big = join(dir, 'big');
    const fh = await open(big, 'w');
    await fh.truncate(GIB);
    await fh.write(Buffer.from('head'), 0, 4, 0);
    await fh.write(Buffer.from('tail'), 0, 4, GIB - 4);
    await fh.close();

    const spec = walkthroughSpec();
    spec.root.children.set('big', {
      type: 'file',
      source: { kind: 'host', path: big, sizeBytes: GIB },
    });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const out = join(dir, 'big.img');
    try {
      await writeImage(spec, out);
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);

    // Zero chunks are holes: the image stays sparse.
    const st = await stat(out);
    expect(st.size).toBeGreaterThan(GIB);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024);
    const img = await openImage(out);
    const s = img.stat('/big');
    expect(s.sizeBytes).toBe(GIB);
    expect((await img.root.readAt(s, 0, 4)).toString()).toBe('head');
    expect((await img.root.readAt(s, GIB - 4, 4)).toString()).toBe('tail');
    await img.close();
  }, 120_000);
});
