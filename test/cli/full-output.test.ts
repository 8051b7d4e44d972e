// bin/skiff.js (it runs dist/: `npm run build` first) when its stdout
// cannot be written (`> /dev/full`, a full disk): an error that says so
// on stderr and exit 1, never a stack trace.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
let dir: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  dir = await mkdtemp(join(tmpdir(), 'skiff-full-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function toDevFull(args: string[]) {
  const full = await open('/dev/full', 'w');
  try {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/skiff.js'), ...args],
      {
        env: { ...process.env, SKIFF_HOME: dir, SKIFF_CACHE_DIR: dir },
        stdio: ['ignore', full.fd, 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    return { code, stderr };
  } finally {
    await full.close();
  }
}

describe.skipIf(!existsSync('/dev/full'))(
  'a stdout that cannot be written',
  () => {
    it('ends a command with an error naming the cause', async () => {
      const { code, stderr } = await toDevFull(['nanos', 'path', '--help']);
      expect(code).toBe(1);
      expect(stderr).toContain(
        'error: cannot write to standard output: ENOSPC',
      );
      expect(stderr).toContain('the disk the output goes to is full');
      expect(stderr).not.toMatch(/\n\s+at /);
    });

    it('says so with --json too, on stderr', async () => {
      const { code, stderr } = await toDevFull(['--json', 'image', 'list']);
      expect(code).toBe(1);
      expect(stderr).toContain('cannot write to standard output');
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  },
);
