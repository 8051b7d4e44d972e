// Installing over a package when Skiff dies in the middle of the swap:
// the old copy must not show up as a package.
import { readdirSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PackageStore } from '../../src/pkg/store.js';

const failing = { from: 0 };
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  let calls = 0;
  return {
    ...real,
    rename: async (a: string, b: string) => {
      calls++;
      if (failing.from && calls >= failing.from) {
        throw Object.assign(new Error('killed'), { code: 'EIO' });
      }
      return real.rename(a, b);
    },
    resetRenames: () => {
      calls = 0;
    },
  };
});

let dir: string;
let store: PackageStore;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'skiff-install-'));
  store = new PackageStore(
    { cacheDir: join(dir, 'c'), dataDir: join(dir, 'd'), stateDir: dir },
    'amd64',
  );
});
afterEach(async () => {
  failing.from = 0;
  await fs.rm(dir, { recursive: true, force: true });
});

async function built(version: string): Promise<string> {
  const tmp = (await store.createTemp()).path;
  await fs.writeFile(
    join(tmp, 'package.manifest'),
    JSON.stringify({ Program: '/x', Version: version }),
  );
  return tmp;
}

describe('PackageStore.install', () => {
  it('never lists the replaced copy, even when the swap dies', async () => {
    await store.install(await built('1'), { name: 'app', version: '1' });
    const next = await built('1');
    (fs as unknown as { resetRenames(): void }).resetRenames();
    // The first rename (old copy away) works; then the process "dies".
    failing.from = 2;
    await expect(
      store.install(next, { name: 'app', version: '1' }),
    ).rejects.toThrow();
    failing.from = 0;
    expect(await store.list()).toEqual([]);
    const names = readdirSync(store.root);
    expect(names.every((n) => n.startsWith('.tmp-'))).toBe(true);
  });
});
