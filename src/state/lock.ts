// A lock file for one resource (an instance, the image store) shared by
// concurrent skiff commands: created with O_EXCL, holding the owner's pid
// and start time so a lock left by a killed command is taken over.
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode, SkiffError } from '../errors.js';
import {
  identifyProcess,
  isProcessAlive,
  type ProcessIdentity,
} from './process.js';

export interface LockOptions {
  /** Give up after this long (default 60 s: a stop may wait for a VM). */
  timeoutMs?: number;
  /** What is locked, for the error message ("instance web1"). */
  what: string;
}

/** The lock's path no longer exists (its folder was removed). */
export class LockTargetGoneError extends Error {}

async function tryCreate(path: string, me: ProcessIdentity): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile(JSON.stringify(me));
    await handle.close();
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') throw new LockTargetGoneError(path);
    throw err;
  }
}

async function readHolder(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes the lock when its holder died; true when the way is free. */
async function clearStale(path: string): Promise<boolean> {
  const text = await readHolder(path);
  if (text === undefined) return true;
  let holder: ProcessIdentity;
  try {
    holder = JSON.parse(text) as ProcessIdentity;
  } catch {
    // Being written right now (open and write are two steps).
    return false;
  }
  if (await isProcessAlive(holder)) return false;
  // Re-read so a lock another waiter just took over is left alone.
  if ((await readHolder(path)) !== text) return false;
  await rm(path, { force: true });
  return true;
}

/**
 * Runs `fn` while holding the lock file at `path`. Throws
 * LockTargetGoneError when the lock's folder does not exist.
 */
export async function withLock<T>(
  path: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const me = await identifyProcess(process.pid);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let waitMs = 10;
  while (!(await tryCreate(path, me))) {
    if (await clearStale(path)) continue;
    if (Date.now() > deadline) {
      throw new SkiffError(
        'LOCK_TIMEOUT',
        `${options.what} is busy: another skiff command holds ${path}`,
        { hint: 'wait for the other command to finish, then retry' },
      );
    }
    await sleep(waitMs);
    waitMs = Math.min(waitMs * 2, 200);
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

/** True while a live process holds the lock at `path`. */
export async function isLockHeld(path: string): Promise<boolean> {
  const text = await readHolder(path);
  if (text === undefined) return false;
  try {
    return await isProcessAlive(JSON.parse(text) as ProcessIdentity);
  } catch {
    // Being written: someone is taking it right now.
    return true;
  }
}
