// Finds the Nanos release an image is built with: an explicit folder
// (--nanos-dir / SKIFF_NANOS_DIR), else Skiff's verified cache, else the
// official tarball, downloaded, checksummed and cached.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError, SkiffError, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { nanosCacheDir, type SkiffPaths } from '../paths.js';
import { fetchDownloader, type Downloader } from './download.js';
import { installReleaseArchive } from './install.js';
import {
  inspectReleaseDir,
  readReleaseManifest,
  RELEASE_MANIFEST,
  verifyReleaseDir,
  type ReleaseManifest,
} from './release-dir.js';
import type { NanosRelease } from './types.js';
import { checkNanosVersion, DEFAULT_NANOS_VERSION } from './version.js';

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
  'connect to the internet so Skiff can download it; offline, add a ' +
  'release tarball with `skiff nanos add nanos-release-linux-<version>' +
  '.tar.gz`, or point --nanos-dir (or SKIFF_NANOS_DIR) at a folder ' +
  'holding kernel.img and boot.img';

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

/** Resolves a release, downloading it when it is nowhere on disk. */
export async function resolveNanosRelease(
  opts: ResolveNanosOptions,
): Promise<NanosRelease> {
  const version = opts.version ?? DEFAULT_NANOS_VERSION;
  checkNanosVersion(version);
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
    throw notFound(version, tried, 'and --offline forbids a download');
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
      await installReleaseArchive({
        obtain: (dest) => download(url, dest, opts.signal),
        cacheDir,
        version,
        source: url,
        pinnedSha256: opts.archiveSha256,
        signal: opts.signal,
      });
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
    `no Nanos ${version} release found${extra ? ` ${extra}` : ''}; ` +
      `tried:${lines}`,
    { hint: FIX_HINT },
  );
}
