import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import {
  isLockHeld,
  LockTargetGoneError,
  withLock,
} from '../../src/state/lock.js';
import { fillDisk, tryMountTmpfs, unmount } from '../helpers/full-disk.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('withLock', () => {
  it('serialises concurrent holders', async () => {
    const path = join(dir, 'lock');
    const events: string[] = [];
    const job = (id: number) =>
      withLock(path, { what: 'x' }, async () => {
        events.push(`in${id}`);
        await new Promise((r) => setTimeout(r, 20));
        events.push(`out${id}`);
      });
    await Promise.all([job(1), job(2), job(3)]);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]!.slice(2)).toBe(events[i + 1]!.slice(3));
    }
    expect(events).toHaveLength(6);
  });

  it('takes over a lock left by a dead process', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, JSON.stringify({ pid: 999999, startTime: '1' }));
    const value = await withLock(
      path,
      { what: 'x', timeoutMs: 2000 },
      async () => JSON.parse(await readFile(path, 'utf8')),
    );
    expect(value.pid).toBe(process.pid);
  });

  it('times out with a clear error while a live holder keeps it', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, JSON.stringify({ pid: process.pid }));
    const err = await withLock(
      path,
      { what: 'instance web1', timeoutMs: 200 },
      async () => 1,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkiffError);
    expect((err as SkiffError).code).toBe('LOCK_TIMEOUT');
    expect((err as SkiffError).message).toContain('instance web1');
  });

  it('says so when the folder of the lock is gone', async () => {
    const err = await withLock(
      join(dir, 'missing', 'lock'),
      { what: 'x' },
      async () => 1,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTargetGoneError);
  });

  it('takes over an empty lock a killed command left', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, '');
    const minuteAgo = Date.now() / 1000 - 60;
    await utimes(path, minuteAgo, minuteAgo);
    expect(await isLockHeld(path)).toBe(false);
    const value = await withLock(
      path,
      { what: 'x', timeoutMs: 2000 },
      async () => JSON.parse(await readFile(path, 'utf8')),
    );
    expect(value.pid).toBe(process.pid);
  });

  it('waits while an unreadable lock is fresh (being written)', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, '');
    expect(await isLockHeld(path)).toBe(true);
    const err = await withLock(path, { what: 'x', timeoutMs: 200 }, () =>
      Promise.resolve(1),
    ).catch((e: unknown) => e);
    expect((err as SkiffError).code).toBe('LOCK_TIMEOUT');
  });

  it('holds only the lock file itself, and nothing after', async () => {
    const path = join(dir, 'lock');
    const during = await withLock(path, { what: 'x' }, () => readdir(dir));
    expect(during).toEqual(['lock']);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('withLock on a full disk', () => {
  async function mounted(options: string): Promise<string | undefined> {
    const disk = join(dir, 'disk');
    await mkdir(disk);
    return tryMountTmpfs(disk, options) ? disk : undefined;
  }

  it('still locks, and leaves nothing behind', async (t) => {
    const disk = await mounted('size=64k');
    if (!disk) return t.skip('cannot mount a tmpfs here (needs root)');
    try {
      await fillDisk(disk);
      const path = join(disk, 'lock');
      const owner = await withLock(path, { what: 'instance full2' }, () =>
        isLockHeld(path),
      );
      expect(owner).toBe(true);
      expect(await readdir(disk)).toEqual(['filler']);
    } finally {
      unmount(disk);
    }
  });

  it('says the disk is full when not even a name fits', async (t) => {
    // Two inodes: the mount's root and the filler.
    const disk = await mounted('size=64k,nr_inodes=2');
    if (!disk) return t.skip('cannot mount a tmpfs here (needs root)');
    try {
      await fillDisk(disk);
      const path = join(disk, 'lock');
      const err = await withLock(path, { what: 'instance full2' }, () =>
        Promise.resolve(1),
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DISK_FULL' });
      expect((err as Error).message).toContain(path);
      expect(await readdir(disk)).toEqual(['filler']);
    } finally {
      unmount(disk);
    }
  });
});
