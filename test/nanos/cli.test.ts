// `skiff nanos list|path|clear` through main(), on a temp cache.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';

let cache: string;
let env: Record<string, string>;

beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), 'skiff-nanos-cli-'));
  env = { SKIFF_CACHE_DIR: cache, SKIFF_HOME: cache, SKIFF_NANOS_DIR: '' };
  const dir = join(cache, 'nanos', '7.7.7');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'kernel.img'), 'K');
  await writeFile(
    join(dir, 'release.json'),
    JSON.stringify({
      version: '7.7.7',
      source: 'test',
      files: { 'kernel.img': createHash('sha256').update('K').digest('hex') },
    }),
  );
});
afterEach(() => rm(cache, { recursive: true, force: true }));

describe('skiff nanos', () => {
  it('lists cached releases', async () => {
    const r = await runCli(['nanos', 'list'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`7.7.7\t${join(cache, 'nanos', '7.7.7')}\n`);
  });

  it('prints the folder of a cached release', async () => {
    const r = await runCli(['nanos', 'path', '7.7.7', '--offline'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(cache, 'nanos', '7.7.7'));
  });

  it('clears a release, and names one that is not cached', async () => {
    const r = await runCli(['--json', 'nanos', 'clear', '7.7.7'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      deleted: { version: '7.7.7', dir: join(cache, 'nanos', '7.7.7') },
    });
    expect(existsSync(join(cache, 'nanos', '7.7.7'))).toBe(false);
    const again = await runCli(['nanos', 'clear', '7.7.7'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Nanos 7.7.7 is not in the cache');
  });

  it('refuses a version that would leave the cache', async () => {
    for (const argv of [
      ['nanos', 'path', '--offline', '../../x'],
      ['nanos', 'clear', '../7.7.7'],
    ]) {
      const r = await runCli(['--json', ...argv], { env });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('BAD_VERSION');
    }
  });
});
