// The Nanos releases in Skiff's cache: list and remove.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { nanosCacheDir, type SkiffPaths } from '../paths.js';
import { readReleaseManifest } from './release-dir.js';
import { checkNanosVersion } from './version.js';

export interface CachedRelease {
  version: string;
  dir: string;
  source?: string;
}

export async function listCachedReleases(
  paths: SkiffPaths,
): Promise<CachedRelease[]> {
  const root = join(paths.cacheDir, 'nanos');
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.includes('.tmp-'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
  const out: CachedRelease[] = [];
  for (const name of names) {
    const dir = join(root, name);
    const manifest = await readReleaseManifest(dir).catch(() => undefined);
    out.push({ version: name, dir, source: manifest?.source });
  }
  return out;
}

/** Deletes one cached release; an unknown version is a UserError. */
export async function clearCachedRelease(
  paths: SkiffPaths,
  version: string,
): Promise<string> {
  checkNanosVersion(version);
  const dir = nanosCacheDir(paths, version);
  const known = await listCachedReleases(paths);
  if (!known.some((r) => r.dir === dir)) {
    throw new UserError(
      'NANOS_NOT_CACHED',
      `Nanos ${version} is not in the cache`,
      { hint: 'see `skiff nanos list`' },
    );
  }
  await rm(dir, { recursive: true, force: true });
  return dir;
}
