// Temp files beside an output: `.<name>.tmp-<host>-<pid>-<random>`, so a
// later write of the same output can tell a temp whose maker is gone
// (kill -9, a crash, a power cut) from one still being written. On this
// host a temp is stale once its pid is not alive; one made on another
// host (a shared folder) or by an older Skiff (`.<name>.tmp-<pid>-<hex>`,
// no host) once it has not been touched for a day.
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { hostTag, isStaleOwner } from '../state/owned-temp.js';

const OWNED = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+$/;

function prefixOf(outPath: string): string {
  return `.${basename(outPath)}.tmp-`;
}

/** A fresh temp path beside `outPath` for this process. */
export function tempPathBeside(outPath: string): string {
  const rand = randomBytes(4).toString('hex');
  const name = `${prefixOf(outPath)}${hostTag()}-${process.pid}-${rand}`;
  return join(dirname(outPath), name);
}

async function isStale(path: string, owner: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return false;
  const m = OWNED.exec(owner);
  return isStaleOwner(m?.[1], m ? Number(m[2]) : undefined, st.mtimeMs);
}

/**
 * Removes the stale temps (files or folders) an earlier write of
 * `outPath` left beside it. Never throws: a temp that cannot be removed
 * is only wasted space.
 */
export async function removeStaleTempsBeside(outPath: string): Promise<void> {
  const prefix = prefixOf(outPath);
  const names = await readdir(dirname(outPath)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dirname(outPath), name);
    if (await isStale(path, name.slice(prefix.length))) {
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
