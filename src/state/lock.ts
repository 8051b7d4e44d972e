// A lock file for one resource (an instance) shared by concurrent skiff
// commands. The owner's pid and start time go to a temp file that is then
// hard-linked to the lock's name (link(2) is atomic and fails on an
// existing name), so a lock is never seen empty; a lock whose owner died,
// or an unreadable one left by an older skiff, is taken over.
import {
  link,
  lstat,
  open,
  readFile,
  readlink,
  rm,
  symlink,
} from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeFsError, errnoCode, SkiffError } from '../errors.js';
import { tempPathFor } from './atomic.js';
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

/**
 * An empty or unparsable lock older than this is stale: an older skiff
 * wrote it in two steps and died (kill -9, a full disk) between them.
 */
const UNREADABLE_STALE_MS = 5000;

/** The lock file as found: its owner record, inode and age. */
interface Holder {
  text: string;
  ino: number;
  mtimeMs: number;
}

function isNoSpace(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function writeTemp(tmp: string, text: string): Promise<void> {
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * On a full disk there is no block for the temp file's text, but a
 * symlink's short target lives in its inode (ext4, xfs, tmpfs): still
 * atomic, exclusive and never empty, so `instance stop` works there.
 */
async function trySymlink(path: string, text: string): Promise<boolean> {
  try {
    await symlink(text, path);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    if (errnoCode(err) === 'ENOENT') throw new LockTargetGoneError(path);
    throw err;
  }
}

async function tryCreate(
  path: string,
  me: ProcessIdentity,
  what: string,
): Promise<boolean> {
  const text = JSON.stringify(me);
  const tmp = tempPathFor(path);
  try {
    await writeTemp(tmp, text);
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code === 'ENOENT') throw new LockTargetGoneError(path);
    if (isNoSpace(err)) {
      return await trySymlink(path, text).catch((again: unknown) => {
        throw describeFsError(again, `locking ${what}`, path);
      });
    }
    throw describeFsError(err, `locking ${what}`, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const st = await lstat(path);
    const text = st.isSymbolicLink()
      ? await readlink(path)
      : await readFile(path, 'utf8');
    return { text, ino: st.ino, mtimeMs: st.mtimeMs };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function parseOwner(text: string): ProcessIdentity | undefined {
  try {
    const owner = JSON.parse(text) as ProcessIdentity;
    return typeof owner?.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Its owner is gone, or it is unreadable and no longer being written. */
async function isStale(holder: Holder): Promise<boolean> {
  const owner = parseOwner(holder.text);
  if (!owner) return Date.now() - holder.mtimeMs > UNREADABLE_STALE_MS;
  return !(await isProcessAlive(owner));
}

/** Removes the lock when it is stale; true when the way is free. */
async function clearStale(path: string): Promise<boolean> {
  const seen = await readHolder(path);
  if (!seen) return true;
  if (!(await isStale(seen))) return false;
  // Re-read so a lock another waiter just took over is left alone.
  const now = await readHolder(path);
  if (now && (now.text !== seen.text || now.ino !== seen.ino)) return false;
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
  while (!(await tryCreate(path, me, options.what))) {
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
  const holder = await readHolder(path);
  return holder !== undefined && !(await isStale(holder));
}
