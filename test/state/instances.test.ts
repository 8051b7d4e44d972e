import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { SkiffPaths } from '../../src/paths.js';
import {
  createInstanceDir,
  instanceFiles,
  instancesDir,
  listInstanceNames,
  readInstanceRecord,
  removeInstanceDir,
  type InstanceRecord,
} from '../../src/state/instances.js';

let home: string;
let paths: SkiffPaths;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'skiff-inst-'));
  paths = {
    cacheDir: join(home, 'cache'),
    dataDir: join(home, 'data'),
    stateDir: join(home, 'state'),
  };
});
afterEach(() => rm(home, { recursive: true, force: true }));

function record(name: string, tag = ''): InstanceRecord {
  return {
    version: 1,
    name,
    image: `img${tag}`,
    createdAt: new Date().toISOString(),
    ports: [],
    cpus: 1,
    memoryBytes: 1 << 20,
    accel: 'tcg',
    rebootOnExit: false,
    uefi: false,
    publishAddress: '',
  };
}

describe('instance folders', () => {
  it('creates, lists, reads and removes', async () => {
    await createInstanceDir(paths, record('web1'), async (tmp) => {
      await writeFile(tmp.disk, 'disk');
    });
    expect(await listInstanceNames(paths)).toEqual(['web1']);
    expect((await readInstanceRecord(paths, 'web1'))?.image).toBe('img');
    await removeInstanceDir(paths, 'web1');
    expect(await listInstanceNames(paths)).toEqual([]);
    expect(await readdir(instancesDir(paths))).toEqual([]);
  });

  it('lets exactly one of many concurrent creates of a name win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        createInstanceDir(paths, record('same', String(i)), async (tmp) => {
          await writeFile(tmp.disk, String(i));
        }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const r of lost) {
      const err = (r as PromiseRejectedResult).reason as UserError;
      expect(err.code).toBe('INSTANCE_EXISTS');
      expect(err.message).toContain('"same"');
    }
    // No temp folders left behind by the losers.
    expect(await readdir(instancesDir(paths))).toEqual(['same']);
  });

  it('leaves nothing when populating fails', async () => {
    const err = await createInstanceDir(paths, record('bad'), async () => {
      throw new Error('copy failed');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('copy failed');
    expect(await readdir(instancesDir(paths))).toEqual([]);
  });

  it('keeps the QMP socket path short enough for a unix socket', () => {
    const deep = { ...paths, stateDir: join(home, 'x'.repeat(120)) };
    const files = instanceFiles(deep, 'web1');
    expect(Buffer.byteLength(files.qmpSocket)).toBeLessThanOrEqual(100);
    expect(instanceFiles(paths, 'web1').qmpSocket).toBe(
      join(instancesDir(paths), 'web1', 'qmp.sock'),
    );
  });
});

describe('stale temp folders', () => {
  it('are swept by the next create once an hour old', async () => {
    const { mkdir, utimes } = await import('node:fs/promises');
    const root = instancesDir(paths);
    await mkdir(join(root, '.new-old-abc'), { recursive: true });
    await mkdir(join(root, '.new-fresh-abc'), { recursive: true });
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    await utimes(join(root, '.new-old-abc'), old, old);
    await createInstanceDir(paths, record('web1'), async () => undefined);
    expect((await readdir(root)).sort()).toEqual(['.new-fresh-abc', 'web1']);
  });
});
