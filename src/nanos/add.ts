// `skiff nanos add`: a release tarball from the local disk (an offline
// mirror, a build of one's own) into the cache, checked and recorded as a
// download would be.
import { copyFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { describeFsError, UserError } from '../errors.js';
import { nanosCacheDir, type SkiffPaths } from '../paths.js';
import { installReleaseArchive } from './install.js';
import { inspectReleaseDir } from './release-dir.js';
import type { NanosRelease } from './types.js';
import { checkNanosVersion } from './version.js';

export interface AddReleaseOptions {
  /** The tarball, as `make release` or the release site names it. */
  file: string;
  /** Defaults to the version in the file name. */
  version?: string;
  paths: SkiffPaths;
  /** SKIFF_NANOS_SHA256, when set. */
  pinnedSha256?: string;
  /** Replace a cached release of the same version. */
  force?: boolean;
  signal?: AbortSignal;
}

const RELEASE_NAME = /^nanos-release-linux-(.+?)(-virt)?\.(tar\.gz|tgz)$/;

/** The version and architecture a release tarball's name gives. */
export function releaseNameInfo(
  file: string,
): { version: string; arch: NanosRelease['arch'] } | undefined {
  const m = RELEASE_NAME.exec(basename(file));
  if (!m) return undefined;
  return { version: m[1]!, arch: m[2] ? 'aarch64' : 'x86_64' };
}

export async function addRelease(
  opts: AddReleaseOptions,
): Promise<NanosRelease> {
  const file = resolve(opts.file);
  await checkIsFile(file);
  const named = releaseNameInfo(file);
  const version = opts.version ?? named?.version;
  if (!version) {
    throw new UserError(
      'NANOS_VERSION_UNKNOWN',
      `cannot tell the Nanos version of ${file} from its name`,
      { hint: `pass it after the file: skiff nanos add ${file} 0.1.54` },
    );
  }
  checkNanosVersion(version);
  const arch = named?.arch ?? 'x86_64';

  const cacheDir = nanosCacheDir(opts.paths, version, arch);
  const { release: cached } = await inspectReleaseDir(cacheDir, version, arch);
  if (cached && !opts.force) {
    throw new UserError(
      'NANOS_ALREADY_CACHED',
      `Nanos ${version} is already in the cache (${cacheDir})`,
      { hint: 'pass --force to replace it' },
    );
  }
  await installReleaseArchive({
    obtain: (dest) => copyFile(file, dest),
    cacheDir,
    version,
    source: file,
    pinnedSha256: opts.pinnedSha256,
    // Checked above; a folder without kernel.img is a broken leftover.
    replace: true,
    signal: opts.signal,
  });
  const { release } = await inspectReleaseDir(cacheDir, version, arch);
  if (!release) throw new Error(`${cacheDir} lacks kernel.img after adding`);
  return release;
}

async function checkIsFile(file: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(file)).isFile();
  } catch (err) {
    throw describeFsError(err, 'reading the Nanos release tarball', file);
  }
  if (!isFile) {
    throw new UserError('NANOS_ARCHIVE_INVALID', `${file} is not a file`, {
      hint:
        'give the release tarball (nanos-release-linux-<version>.tar.gz); ' +
        'for an unpacked release folder use --nanos-dir or SKIFF_NANOS_DIR',
    });
  }
}
