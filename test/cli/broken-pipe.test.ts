// bin/skiff.js (it runs dist/: `npm run build` first) when the reader of
// its stdout goes away (`skiff image cat app.img /big | head -c 10`):
// no EPIPE stack, exit 141 as a SIGPIPE'd tool would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/image/write.js';
import { walkthroughSpec } from '../image/fixtures.js';

const root = join(import.meta.dirname, '../..');
let dir: string;
let img: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  dir = await mkdtemp(join(tmpdir(), 'skiff-pipe-'));
  img = join(dir, 'app.img');
  const spec = walkthroughSpec();
  // Far more than a pipe holds, so writes go on after the reader left.
  const data = Buffer.alloc(8 * 1024 * 1024, 'x');
  spec.root.children.set('big', {
    type: 'file',
    source: { kind: 'bytes', data },
  });
  await writeImage(spec, img);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a closed stdout', () => {
  it('stops image cat quietly with exit 141', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/skiff.js'), 'image', 'cat', img, '/big'],
      { env: { ...process.env, SKIFF_HOME: dir } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((r) => child.on('close', r));
    child.stdout.once('data', () => child.stdout.destroy());
    expect(await code).toBe(141);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toBe('');
  });

  it('exits 141 when the reader leaves late, after a pause', async () => {
    // `skiff image cat ... | (sleep 1; head -c 10)`: by the time the
    // reader goes, skiff has read the whole file; it must not have
    // finished with exit 0 before its output was written.
    const child = spawn(
      process.execPath,
      [join(root, 'bin/skiff.js'), 'image', 'cat', img, '/big'],
      { env: { ...process.env, SKIFF_HOME: dir } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((r) => child.on('close', r));
    setTimeout(() => child.stdout.destroy(), 1000);
    expect(await code).toBe(141);
    expect(stderr).toBe('');
  });
});
