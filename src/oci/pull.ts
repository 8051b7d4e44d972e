// Pulls an image from a registry into the blob cache: resolve the tag,
// pick the platform from an index, fetch config and layers (in parallel,
// each checked against its digest). A tag seen before still resolves when
// the registry is unreachable.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SkiffError, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BlobCache } from './blob-cache.js';
import type { RegistryCredentials } from './credentials.js';
import type { RetryOptions } from './http-retry.js';
import {
  layerDiffIds,
  type LocalImage,
  type LocalLayer,
} from './local-image.js';
import {
  parseImageConfig,
  parseManifest,
  type Descriptor,
  type ImageManifest,
} from './manifest.js';
import { formatPlatform, selectPlatform, type Platform } from './platform.js';
import { manifestReference, type ImageReference } from './reference.js';
import { RegistryClient, type FetchedManifest } from './registry-client.js';

export interface PullOptions {
  cache: BlobCache;
  /** Where tag -> digest answers are remembered (cacheDir/oci/refs). */
  refsDir: string;
  platform: Platform;
  insecure?: boolean;
  credentials?: RegistryCredentials | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
  fetch?: typeof fetch;
  /** Parallel layer downloads. */
  concurrency?: number;
  retry?: RetryOptions;
  /** An attempt that receives nothing for this long is retried. */
  stallTimeoutMs?: number;
}

function refFile(refsDir: string, ref: ImageReference): string {
  return join(refsDir, ref.registry, ref.repository, `${ref.tag}.digest`);
}

async function rememberTag(
  refsDir: string,
  ref: ImageReference,
  digest: string,
): Promise<void> {
  const path = refFile(refsDir, ref);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, digest);
  await rename(tmp, path);
}

async function cachedManifest(
  cache: BlobCache,
  digest: string,
): Promise<FetchedManifest | undefined> {
  if (!(await cache.has(digest))) return undefined;
  const bytes = await readFile(cache.path(digest));
  return { bytes, mediaType: undefined, digest };
}

/** The top manifest: from the registry, or the cache when offline. */
async function resolveTop(
  client: RegistryClient,
  ref: ImageReference,
  options: PullOptions,
): Promise<FetchedManifest> {
  if (ref.digest) {
    const hit = await cachedManifest(options.cache, ref.digest);
    if (hit) return hit;
  }
  try {
    const top = await client.getManifest(manifestReference(ref));
    await options.cache.write(top.digest, [top.bytes]);
    if (!ref.digest) await rememberTag(options.refsDir, ref, top.digest);
    return top;
  } catch (err) {
    if (
      !(err instanceof SkiffError && err.code === 'REGISTRY_UNREACHABLE') ||
      ref.digest
    ) {
      throw err;
    }
    const digest = await readFile(refFile(options.refsDir, ref), 'utf8').catch(
      () => undefined,
    );
    const hit = digest
      ? await cachedManifest(options.cache, digest)
      : undefined;
    if (!hit) throw err;
    options.logger.warn(
      `registry ${ref.registry} unreachable; using the cached ${ref.text} (${digest})`,
    );
    return hit;
  }
}

async function fetchChild(
  client: RegistryClient,
  desc: Descriptor,
  cache: BlobCache,
): Promise<FetchedManifest> {
  const hit = await cachedManifest(cache, desc.digest);
  if (hit) return hit;
  const got = await client.getManifest(desc.digest);
  await cache.write(got.digest, [got.bytes]);
  return got;
}

async function runLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, () =>
    (async () => {
      while (next < items.length) await work(items[next++]!);
    })(),
  );
  await Promise.all(workers);
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * At most ten progress updates a second (a chunk arrives every few KiB),
 * and always the last one.
 */
function throttled(show: (done: number) => void) {
  let last = 0;
  return (done: number, final: boolean) => {
    const now = Date.now();
    if (!final && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    show(done);
  };
}

async function fetchLayers(
  client: RegistryClient,
  manifest: ImageManifest,
  options: PullOptions,
  label: string,
): Promise<LocalLayer[]> {
  const total = manifest.layers.reduce((n, l) => n + l.size, 0);
  let done = 0;
  const progress = throttled((n) => options.logger.progress(label, n, total));
  const paths = new Map<string, string>();
  await runLimited(manifest.layers, options.concurrency ?? 4, async (l) => {
    if (await options.cache.has(l.digest)) {
      done += l.size;
    }
    const path = await client.fetchBlob(l.digest, options.cache, (n) => {
      done += n;
      progress(done, done >= total);
    });
    paths.set(l.digest, path);
  });
  return manifest.layers.map((l) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    path: paths.get(l.digest)!,
  }));
}

/** Pulls `ref` for one platform; every blob ends up in the cache. */
export async function pullImage(
  ref: ImageReference,
  options: PullOptions,
): Promise<LocalImage> {
  const client = new RegistryClient({
    registry: ref.registry,
    repository: ref.repository,
    insecure: options.insecure ?? false,
    credentials: options.credentials,
    logger: options.logger,
    signal: options.signal,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.stallTimeoutMs
      ? { stallTimeoutMs: options.stallTimeoutMs }
      : {}),
  });
  const top = await resolveTop(client, ref, options);
  let parsed = parseManifest(
    top.bytes,
    `manifest of ${ref.text}`,
    top.mediaType,
  );
  if (parsed.kind === 'index') {
    const desc = selectPlatform(parsed.index, options.platform, ref.text);
    const child = await fetchChild(client, desc, options.cache);
    parsed = parseManifest(
      child.bytes,
      `manifest ${desc.digest}`,
      child.mediaType,
    );
    if (parsed.kind !== 'manifest') {
      throw new UserError(
        'OCI_NESTED_INDEX',
        `${ref.text}: an index inside an index is not supported`,
      );
    }
  }
  const manifest = parsed.manifest;
  const configPath = await client.fetchBlob(
    manifest.config.digest,
    options.cache,
  );
  const config = parseImageConfig(
    await readFile(configPath),
    `config of ${ref.text}`,
  );
  checkPlatform(config, options.platform, ref.text);
  options.logger.debug(
    `${ref.text}: ${manifest.layers.length} layers, config ${manifest.config.digest}`,
  );
  const diffIds = layerDiffIds(config, manifest.layers.length, ref.text);
  const fetched = await fetchLayers(
    client,
    manifest,
    options,
    `pulling ${ref.text}`,
  );
  // Blobs are checked as they are downloaded; their tars against the
  // config's diff_ids as they are flattened.
  const layers = fetched.map((l, i) => ({ ...l, diffId: diffIds[i] }));
  return {
    source: ref.text,
    config,
    configDigest: manifest.config.digest,
    layers,
  };
}

/** A single-platform image must match the requested architecture. */
export function checkPlatform(
  config: { architecture?: string | undefined; os?: string | undefined },
  want: Platform,
  what: string,
): void {
  if (config.architecture && config.architecture !== want.architecture) {
    throw new UserError(
      'PLATFORM_MISMATCH',
      `${what} is a ${formatPlatform(config)} image, not ${formatPlatform(want)}`,
      { hint: `pass --arch ${config.architecture} to use it as it is` },
    );
  }
}
