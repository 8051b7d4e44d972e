// Temp names that say who made them: `.tmp-<kind>-<host>-<pid>-<random>`.
// A temp whose maker is gone (SIGKILL, a crash) is removed by the next
// run on the same host; one made elsewhere, or in an older format, only
// once it is a day old. While it exists, a forced exit (a second Ctrl-C)
// removes it too.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { onForcedExit } from '../exit-cleanup.js';

export const TEMP_PREFIX = '.tmp-';
const STALE_MS = 24 * 3600 * 1000;
const OWNED = /^\.tmp-[a-z]+-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/;

/** This host, as 8 hex digits, in temp names another host may see. */
export function hostTag(): string {
  return createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
}

/** A fresh temp name for this process, e.g. `.tmp-work-1a2b3c4d-4242-…`. */
export function ownedTempName(kind: string): string {
  const rand = randomBytes(6).toString('hex');
  return `${TEMP_PREFIX}${kind}-${hostTag()}-${process.pid}-${rand}`;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * True when a temp made by `host`/`pid` (undefined: an older, unowned
 * name) can go: its maker on this host is gone, or it is a day old.
 */
export function isStaleOwner(
  host: string | undefined,
  pid: number | undefined,
  mtimeMs: number,
): boolean {
  if (host === hostTag() && pid !== undefined) return !alive(pid);
  return Date.now() - mtimeMs > STALE_MS;
}

/** True when a temp entry can be removed: its maker is gone, or it is old. */
export function isStaleTemp(name: string, mtimeMs: number): boolean {
  if (!name.startsWith(TEMP_PREFIX)) return false;
  const m = OWNED.exec(name);
  return isStaleOwner(m?.[1], m ? Number(m[2]) : undefined, mtimeMs);
}

/** Removes the stale temp entries (files or folders) directly in `dir`. */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st && isStaleTemp(name, st.mtimeMs)) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/**
 * Has `path` (a file or a folder) removed if the process must exit at
 * once, as after a second Ctrl-C; call the result once it is gone or
 * has been renamed into place.
 */
export function removeOnForcedExit(path: string): () => void {
  return onForcedExit(() => rmSync(path, { recursive: true, force: true }));
}

/** A temp folder that is removed even on a forced exit. */
export interface OwnedTempDir {
  path: string;
  /** Removes the folder (and forgets the forced-exit removal). */
  remove(): Promise<void>;
}

/** Creates an owned temp folder `.tmp-<kind>-...` in `dir`. */
export async function createOwnedTempDir(
  dir: string,
  kind: string,
): Promise<OwnedTempDir> {
  const path = join(dir, ownedTempName(kind));
  const forget = removeOnForcedExit(path);
  try {
    await mkdir(path);
  } catch (err) {
    forget();
    throw err;
  }
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      forget();
    },
  };
}
