import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { LockTargetGoneError, withLock } from '../../src/state/lock.js';

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
});
