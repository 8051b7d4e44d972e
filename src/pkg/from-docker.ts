// `pkg from-docker` as a library call: get the image (registry, docker
// archive or OCI layout), flatten its layers, build the package and move
// it into the store. All work happens in a temp folder inside the store;
// the package appears in one rename or not at all.
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RawConfig } from '../config/types.js';
import { describeDiskError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SkiffPaths } from '../paths.js';
import { throwIfAborted } from '../oci/abort.js';
import { BlobCache } from '../oci/blob-cache.js';
import {
  lookupCredentials,
  type CredentialHelperRunner,
} from '../oci/credentials.js';
import { readDockerArchive } from '../oci/docker-archive.js';
import { flattenLayers } from '../oci/flatten.js';
import { parseImageSource, type ImageSource } from '../oci/image-source.js';
import type { LocalImage } from '../oci/local-image.js';
import { readOciLayout } from '../oci/oci-layout.js';
import { linuxPlatform, type Platform } from '../oci/platform.js';
import { pullImage } from '../oci/pull.js';
import { defaultPackageNaming, parseImageReference } from '../oci/reference.js';
import { buildPackage } from './build-package.js';
import type { ImageProgram } from './image-program.js';
import {
  validatePackageName,
  validatePackageVersion,
  type PackageId,
} from './names.js';
import { PackageStore, type StoredPackage } from './store.js';

export interface FromDockerOptions {
  /** As typed: php:8.2-cli, docker-archive:x.tar, oci:./dir:tag. */
  source: string;
  cwd: string;
  name?: string | undefined;
  version?: string | undefined;
  executable?: string | undefined;
  copyAll?: boolean;
  addFiles?: string[];
  extraArgs?: string[];
  /** amd64 or arm64 (aliases accepted). */
  arch: string;
  insecureRegistry?: boolean;
  /** ~/.docker/config.json (or $DOCKER_CONFIG/config.json). */
  dockerConfigPath: string;
  paths: SkiffPaths;
  logger: Logger;
  signal?: AbortSignal | undefined;
  fetch?: typeof fetch;
  runCredentialHelper?: CredentialHelperRunner;
}

export interface FromDockerResult {
  pkg: StoredPackage;
  manifest: RawConfig;
  /** CMD's arguments, used only when the user gives no Args. */
  defaultArgs: string[];
  program: ImageProgram;
  libraries: number;
  layers: number;
}

/**
 * The package name when -n does not give one: the repository and tag of
 * a registry reference or of a docker archive's RepoTag (php, 8.2-cli),
 * else the file or folder name and the tag asked for.
 */
function defaultId(source: ImageSource, image: LocalImage): PackageId {
  if (source.kind === 'registry') return defaultPackageNaming(source.ref);
  if (image.name) {
    try {
      return defaultPackageNaming(parseImageReference(image.name));
    } catch {
      // A tag Docker accepts but we cannot parse: fall back to the file.
    }
  }
  const base = basename(source.path).replace(/\.(tar|tar\.gz|tgz)$/, '');
  const tag = source.ref?.split(':').pop();
  return { name: base, version: tag || 'latest' };
}

async function loadImage(
  source: ImageSource,
  platform: Platform,
  work: string,
  opts: FromDockerOptions,
): Promise<LocalImage> {
  if (source.kind === 'docker-archive') {
    const workDir = join(work, 'archive');
    await mkdir(workDir);
    return readDockerArchive(source.path, {
      workDir,
      ref: source.ref,
      platform,
    });
  }
  if (source.kind === 'oci-layout') {
    return readOciLayout(source.path, source.ref, platform);
  }
  const credentials = await lookupCredentials(source.ref.registry, {
    configPath: opts.dockerConfigPath,
    onWarning: (m) => opts.logger.warn(m),
    ...(opts.runCredentialHelper
      ? { runHelper: opts.runCredentialHelper }
      : {}),
  });
  return pullImage(source.ref, {
    cache: new BlobCache(join(opts.paths.cacheDir, 'blobs')),
    refsDir: join(opts.paths.cacheDir, 'oci', 'refs'),
    platform,
    insecure: opts.insecureRegistry ?? false,
    credentials,
    logger: opts.logger,
    signal: opts.signal,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}

export async function packageFromDocker(
  opts: FromDockerOptions,
): Promise<FromDockerResult> {
  const { logger } = opts;
  const source = parseImageSource(opts.source, opts.cwd);
  const platform = linuxPlatform(opts.arch);
  if (opts.name !== undefined) validatePackageName(opts.name);
  if (opts.version !== undefined) validatePackageVersion(opts.version);

  const store = new PackageStore(opts.paths, platform.architecture);
  const temp = await store.createTemp();
  const work = temp.path;
  try {
    const image = await loadImage(source, platform, work, opts);
    const naming = defaultId(source, image);
    const id: PackageId = {
      name: opts.name ?? naming.name,
      version: opts.version ?? naming.version,
    };
    await store.checkInstallable(id);
    throwIfAborted(opts.signal, `reading ${opts.source}`);
    const root = join(work, 'rootfs');
    const stats = await flattenLayers(image.layers, root, logger, opts.signal);
    logger.debug(
      `flattened ${image.layers.length} layers: ${stats.files} files, ` +
        `${stats.symlinks} symlinks, ${stats.hardlinks} hard links, ` +
        `${stats.whiteouts} whiteouts`,
    );
    throwIfAborted(opts.signal, `flattening ${opts.source}`);
    const pkgDir = join(work, 'pkg');
    await mkdir(pkgDir);
    const built = await buildPackage({
      root,
      config: image.config,
      pkgDir,
      version: id.version,
      arch: platform.architecture === 'arm64' ? 'aarch64' : 'x86_64',
      executable: opts.executable,
      copyAll: opts.copyAll ?? false,
      addFiles: opts.addFiles ?? [],
      extraArgs: opts.extraArgs ?? [],
      description: `from ${image.source} (${image.configDigest})`,
      logger,
    });
    throwIfAborted(opts.signal, `building package ${id.name}`);
    const pkg = await store.install(pkgDir, id);
    return {
      pkg,
      manifest: built.manifest,
      defaultArgs: built.defaultArgs,
      program: built.program,
      libraries: built.libraries,
      layers: image.layers.length,
    };
  } catch (err) {
    // Unpacking and building happen in the store (the blob cache names
    // itself).
    throw describeDiskError(
      err,
      `making a package of ${opts.source}`,
      `the package store ${store.root}`,
    );
  } finally {
    await temp.remove();
  }
}
