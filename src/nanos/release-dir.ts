// A Nanos release folder on disk: which files it has, and their checksums
// against release.json.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError, errnoCode } from '../errors.js';
import type { NanosRelease } from './types.js';

/** release.json: written at download time (or by hand, same shape). */
export interface ReleaseManifest {
  version: string;
  /** Where the files came from: a URL or a note. */
  source: string;
  /** SHA-256 of the downloaded tarball, when there was one. */
  archiveSha256?: string;
  /** Relative path (klibs/ntp) -> lowercase hex SHA-256. */
  files: Record<string, string>;
}

export const RELEASE_MANIFEST = 'release.json';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** stat, or undefined when nothing is there; other failures throw. */
async function statIfThere(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    // EACCES and the like: "missing" would send the user looking for
    // files that are there.
    throw describeFsError(err, 'reading the Nanos release', path);
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await statIfThere(path))?.isFile() === true;
}

async function isDir(path: string): Promise<boolean> {
  return (await statIfThere(path))?.isDirectory() === true;
}

/**
 * Describes the release in `dir`, or lists what is missing. Only
 * kernel.img is required; boot.img, bootx64.efi and klibs/ are optional.
 */
export async function inspectReleaseDir(
  dir: string,
  version: string,
  arch: NanosRelease['arch'],
): Promise<{ release?: NanosRelease; missing: string[] }> {
  const kernelPath = join(dir, 'kernel.img');
  if (!(await isFile(kernelPath))) return { missing: ['kernel.img'] };
  const release: NanosRelease = { version, arch, dir, kernelPath };
  const boot = join(dir, 'boot.img');
  if (await isFile(boot)) release.bootPath = boot;
  const efi = join(dir, arch === 'x86_64' ? 'bootx64.efi' : 'bootaa64.efi');
  if (await isFile(efi)) release.uefiLoaderPath = efi;
  const klibs = join(dir, 'klibs');
  if (await isDir(klibs)) release.klibsDir = klibs;
  return { release, missing: [] };
}

export async function readReleaseManifest(
  dir: string,
): Promise<ReleaseManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, RELEASE_MANIFEST), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as ReleaseManifest;
  if (typeof parsed.files !== 'object' || parsed.files === null) {
    throw new Error(`${RELEASE_MANIFEST} has no "files" object`);
  }
  return parsed;
}

/** Every regular file under `dir` as a relative path, release.json aside. */
export async function listReleaseFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((rel) => rel !== RELEASE_MANIFEST)
    .sort();
}

/** Checksums of every file in `dir`, for writing release.json. */
export async function hashReleaseFiles(
  dir: string,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const rel of await listReleaseFiles(dir)) {
    files[rel] = await sha256File(join(dir, rel));
  }
  return files;
}

/** Files whose checksum differs from release.json, or that are gone. */
export async function verifyReleaseDir(
  dir: string,
  manifest: ReleaseManifest,
): Promise<string[]> {
  const bad: string[] = [];
  for (const [rel, expected] of Object.entries(manifest.files)) {
    const path = join(dir, rel);
    if (!(await isFile(path))) {
      bad.push(`${rel} (missing)`);
      continue;
    }
    if ((await sha256File(path)) !== expected.toLowerCase()) {
      bad.push(`${rel} (checksum mismatch)`);
    }
  }
  return bad;
}
