// Unpacks a release tarball into Skiff's cache: the one path by which a
// release gets there, whether downloaded or added from a local file.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError, errnoCode, UserError } from '../errors.js';
import { extractTarGz } from './download.js';
import {
  hashReleaseFiles,
  RELEASE_MANIFEST,
  sha256File,
  type ReleaseManifest,
} from './release-dir.js';

export interface InstallArchiveOptions {
  /** Puts the tarball at `dest`: downloads it, or copies a local file. */
  obtain: (dest: string) => Promise<void>;
  cacheDir: string;
  version: string;
  /** Recorded in release.json: the URL or file it came from. */
  source: string;
  /** SKIFF_NANOS_SHA256: refuse any other tarball. */
  pinnedSha256?: string;
  /** Replace a release already cached under this version. */
  replace?: boolean;
  signal?: AbortSignal;
}

const RELEASE_HINT =
  'a Nanos release tarball (nanos-release-linux-<version>.tar.gz) holds ' +
  'kernel.img, boot.img, bootx64.efi and klibs/';

/** The folder inside an extracted tarball that holds kernel.img. */
async function findReleaseRoot(dir: string): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === 'kernel.img')) return dir;
  const dirs = entries.filter((e) => e.isDirectory());
  if (dirs.length !== 1) return undefined;
  return findReleaseRoot(join(dir, dirs[0]!.name));
}

/**
 * Checks, unpacks and records a release tarball, then renames it into
 * `cacheDir` in one step: a failure leaves nothing under that name.
 */
export async function installReleaseArchive(
  opts: InstallArchiveOptions,
): Promise<void> {
  const work = `${opts.cacheDir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(work, { recursive: true });
  try {
    const archive = join(work, 'release.tar.gz');
    await opts.obtain(archive);
    const archiveSha256 = await sha256File(archive);
    const pinned = opts.pinnedSha256?.toLowerCase();
    if (pinned && archiveSha256 !== pinned) {
      throw checksumMismatch(opts.source, archiveSha256, pinned);
    }

    const unpacked = join(work, 'unpacked');
    await extractTarGz(archive, unpacked, opts.signal).catch((err) => {
      if (opts.signal?.aborted) throw err;
      throw new UserError(
        'NANOS_ARCHIVE_INVALID',
        `${opts.source} is not a gzip'd tar: ${(err as Error).message}`,
        { hint: RELEASE_HINT, cause: err },
      );
    });
    const root = await findReleaseRoot(unpacked);
    if (!root) {
      throw new UserError(
        'NANOS_ARCHIVE_INVALID',
        `${opts.source} holds no kernel.img`,
        { hint: RELEASE_HINT },
      );
    }
    const manifest: ReleaseManifest = {
      version: opts.version,
      source: opts.source,
      archiveSha256,
      files: await hashReleaseFiles(root),
    };
    await writeFile(
      join(root, RELEASE_MANIFEST),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );

    if (opts.replace) await swapInto(root, opts.cacheDir, work);
    else await moveInto(root, opts.cacheDir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function moveInto(root: string, cacheDir: string): Promise<void> {
  await rename(root, cacheDir).catch((err: unknown) => {
    // Another skiff finished the same release first: keep theirs.
    const code = errnoCode(err);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  });
}

/** Moves the old release aside, the new one in, then drops the old. */
async function swapInto(
  root: string,
  cacheDir: string,
  work: string,
): Promise<void> {
  const old = join(work, 'replaced');
  await rename(cacheDir, old).catch((err: unknown) => {
    if (errnoCode(err) !== 'ENOENT') throw err;
  });
  await rename(root, cacheDir);
}

export function checksumMismatch(
  source: string,
  got: string,
  pinned: string,
): EnvironmentError {
  return new EnvironmentError(
    'NANOS_CHECKSUM_MISMATCH',
    `the Nanos tarball from ${source} has SHA-256 ${got}, ` +
      `but SKIFF_NANOS_SHA256 is ${pinned}`,
    {
      hint:
        'check SKIFF_NANOS_SHA256 against the release you mean; nothing ' +
        'was cached',
    },
  );
}
