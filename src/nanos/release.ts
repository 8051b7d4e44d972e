// Finds the Nanos release an image is built with: an explicit folder
// (--nanos-dir / SKIFF_NANOS_DIR), else Skiff's verified cache, else the
// official tarball, downloaded, checksummed and cached.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EnvironmentError,
  errnoCode,
  SkiffError,
  UserError,
} from '../errors.js';
import type { Logger } from '../log.js';
import { nanosCacheDir, type SkiffPaths } from '../paths.js';
import { extractTarGz, fetchDownloader, type Downloader } from './download.js';
import {
  hashReleaseFiles,
  inspectReleaseDir,
  readReleaseManifest,
  RELEASE_MANIFEST,
  sha256File,
  verifyReleaseDir,
  type ReleaseManifest,
} from './release-dir.js';
import type { NanosRelease } from './types.js';
import { DEFAULT_NANOS_VERSION } from './version.js';

export const NANOS_RELEASE_BASE_URL =
  'https://storage.googleapis.com/nanos/release';

export interface ResolveNanosOptions {
  version?: string;
  /** --nanos-dir or SKIFF_NANOS_DIR, passed in by the CLI. */
  dir?: string;
  paths: SkiffPaths;
  arch?: NanosRelease['arch'];
  download?: Downloader;
  /** Overrides NANOS_RELEASE_BASE_URL (tests, mirrors). */
  baseUrl?: string;
  logger: Logger;
  offline?: boolean;
  signal?: AbortSignal;
  /**
   * The release tarball's expected SHA-256 (SKIFF_NANOS_SHA256). Without
   * it the first download is trusted and its hash recorded; with it a
   * download or a cached release from another tarball is refused.
   */
  archiveSha256?: string;
}

const FIX_HINT =
  'point --nanos-dir (or SKIFF_NANOS_DIR) at a folder holding kernel.img ' +
  'and boot.img, or connect to the internet so Skiff can download it';

/**
 * The release tarball for an architecture. Nanos's release script names
 * the x86-64 (pc) release `nanos-release-linux-<v>.tar.gz` (kernel.img,
 * boot.img, bootx64.efi, klibs/) and the aarch64 (virt) one `...-virt`
 * (kernel.img, bootaa64.efi, klibs/, no boot.img).
 */
export function releaseUrls(
  baseUrl: string,
  version: string,
  arch: NanosRelease['arch'] = 'x86_64',
): string[] {
  const base = baseUrl.replace(/\/+$/, '');
  const suffix = arch === 'aarch64' ? '-virt' : '';
  return [`${base}/${version}/nanos-release-linux-${version}${suffix}.tar.gz`];
}

async function fromExplicitDir(
  dir: string,
  version: string,
  arch: NanosRelease['arch'],
): Promise<NanosRelease> {
  const { release, missing } = await inspectReleaseDir(dir, version, arch);
  if (release) return release;
  throw new UserError(
    'NANOS_DIR_INCOMPLETE',
    `the Nanos folder ${dir} lacks ${missing.join(', ')}`,
    {
      hint:
        'it needs kernel.img (boot.img, bootx64.efi and klibs/ are used ' +
        'when present); fix --nanos-dir or SKIFF_NANOS_DIR',
    },
  );
}

/** The cached release, verified; undefined when not cached. */
async function fromCache(
  dir: string,
  version: string,
  arch: NanosRelease['arch'],
): Promise<NanosRelease | undefined> {
  const { release } = await inspectReleaseDir(dir, version, arch);
  if (!release) return undefined;
  let manifest: ReleaseManifest | undefined;
  try {
    manifest = await readReleaseManifest(dir);
  } catch (err) {
    throw corruptCache(dir, version, `${RELEASE_MANIFEST} is unreadable`, err);
  }
  if (!manifest) {
    throw corruptCache(dir, version, `${RELEASE_MANIFEST} is missing`);
  }
  const bad = await verifyReleaseDir(dir, manifest);
  if (bad.length > 0) {
    throw corruptCache(dir, version, `${bad.join(', ')}`);
  }
  return release;
}

function corruptCache(
  dir: string,
  version: string,
  what: string,
  cause?: unknown,
): EnvironmentError {
  return new EnvironmentError(
    'NANOS_CACHE_CORRUPT',
    `the cached Nanos ${version} in ${dir} does not match its ` +
      `${RELEASE_MANIFEST}: ${what}`,
    {
      hint: `run \`skiff nanos clear ${version}\` to download it again`,
      cause,
    },
  );
}

/** The folder inside an extracted tarball that holds kernel.img. */
async function findReleaseRoot(dir: string): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === 'kernel.img')) return dir;
  const dirs = entries.filter((e) => e.isDirectory());
  if (dirs.length !== 1) return undefined;
  return findReleaseRoot(join(dir, dirs[0]!.name));
}

async function downloadInto(
  url: string,
  cacheDir: string,
  version: string,
  opts: ResolveNanosOptions,
  download: Downloader,
): Promise<void> {
  const work = `${cacheDir}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(work, { recursive: true });
  try {
    const archive = join(work, 'release.tar.gz');
    await download(url, archive, opts.signal);
    const archiveSha256 = await sha256File(archive);
    const pinned = opts.archiveSha256?.toLowerCase();
    if (pinned && archiveSha256 !== pinned) {
      throw checksumMismatch(url, archiveSha256, pinned);
    }
    const unpacked = join(work, 'unpacked');
    await extractTarGz(archive, unpacked, opts.signal);
    const root = await findReleaseRoot(unpacked);
    if (!root) throw new Error('the tarball has no kernel.img');
    const manifest: ReleaseManifest = {
      version,
      source: url,
      archiveSha256,
      files: await hashReleaseFiles(root),
    };
    await writeFile(
      join(root, RELEASE_MANIFEST),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    await rename(root, cacheDir).catch((err: unknown) => {
      // Another skiff finished the same download first: keep theirs.
      const code = errnoCode(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Resolves a release, downloading it when it is nowhere on disk. */
export async function resolveNanosRelease(
  opts: ResolveNanosOptions,
): Promise<NanosRelease> {
  const version = opts.version ?? DEFAULT_NANOS_VERSION;
  const arch = opts.arch ?? 'x86_64';
  if (opts.dir) return fromExplicitDir(opts.dir, version, arch);

  const cacheDir = nanosCacheDir(opts.paths, version, arch);
  const cached = await fromCache(cacheDir, version, arch);
  if (cached) {
    await checkPinnedCache(cacheDir, version, opts.archiveSha256);
    return cached;
  }

  const tried = [`${cacheDir}: not there`];
  if (opts.offline) {
    throw notFound(version, tried, 'downloads are off (--offline)');
  }
  const download = opts.download ?? fetchDownloader(opts.logger);
  await mkdir(join(cacheDir, '..'), { recursive: true });
  for (const url of releaseUrls(
    opts.baseUrl ?? NANOS_RELEASE_BASE_URL,
    version,
    arch,
  )) {
    opts.logger.info(`downloading Nanos ${version} from ${url}`);
    try {
      await downloadInto(url, cacheDir, version, opts, download);
      const release = await fromCache(cacheDir, version, arch);
      if (release) return release;
      tried.push(`${url}: unpacked but kernel.img is missing`);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (err instanceof SkiffError && err.code === 'NANOS_CHECKSUM_MISMATCH') {
        throw err;
      }
      const why = err instanceof Error ? err.message : String(err);
      tried.push(`${url}: ${causeText(err, why)}`);
    }
  }
  throw notFound(version, tried);
}

function checksumMismatch(
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

/** A cached release must come from the pinned tarball, when pinned. */
async function checkPinnedCache(
  dir: string,
  version: string,
  pinned: string | undefined,
): Promise<void> {
  if (!pinned) return;
  const recorded = (await readReleaseManifest(dir))?.archiveSha256;
  if (recorded === pinned.toLowerCase()) return;
  // The pin is the likelier mistake, and clearing the cache deletes what
  // may be the only kernel on an offline machine: say so first.
  const came = recorded
    ? `came from a tarball with SHA-256 ${recorded}`
    : 'records no tarball SHA-256 (not downloaded by Skiff, or by an ' +
      'older one)';
  throw new EnvironmentError(
    'NANOS_CHECKSUM_MISMATCH',
    `the cached Nanos ${version} in ${dir} ${came}, but ` +
      `SKIFF_NANOS_SHA256 is ${pinned}`,
    {
      hint:
        'check SKIFF_NANOS_SHA256 first (unset it to use the cached ' +
        `release); if the pin is right, \`skiff nanos clear ${version}\` ` +
        'removes the cached release and the next build downloads the ' +
        'pinned one (this needs the internet)',
    },
  );
}

function causeText(err: unknown, fallback: string): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error && !fallback.includes(cause.message)) {
    return `${fallback} (${cause.message})`;
  }
  return fallback;
}

function notFound(
  version: string,
  tried: string[],
  extra?: string,
): EnvironmentError {
  const lines = tried.map((t) => `\n  - ${t}`).join('');
  return new EnvironmentError(
    'NANOS_NOT_FOUND',
    `no Nanos ${version} release found${extra ? ` (${extra})` : ''}; ` +
      `tried:${lines}`,
    { hint: FIX_HINT },
  );
}
