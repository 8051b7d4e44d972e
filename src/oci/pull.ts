// Pulls an image from a registry into the blob cache: resolve the tag,
// pick the platform from an index, fetch config and layers (in parallel,
// each checked against its digest). A tag seen before still resolves when
// the registry is unreachable; a tag's digest is remembered only once its
// image was pulled whole.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeFsError, SkiffError, UserError } from '../errors.js';
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
  type ParsedManifest,
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
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, digest);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw describeFsError(err, `remembering ${ref.text}`, refsDir);
  }
}

async function cachedManifest(
  cache: BlobCache,
  digest: string,
): Promise<FetchedManifest | undefined> {
  if (!(await cache.has(digest))) return undefined;
  const bytes = await readFile(cache.path(digest));
  return { bytes, mediaType: undefined, digest };
}

interface ResolvedTop {
  top: FetchedManifest;
  parsed: ParsedManifest;
  /** From the registry (not the cache): to be remembered once pulled. */
  fresh: boolean;
}

/**
 * The top manifest, parsed: from the registry, or the cache when offline.
 * Nothing is cached here: an answer that is no manifest (a proxy's error
 * page) must not replace the digest a tag had.
 */
async function resolveTop(
  client: RegistryClient,
  ref: ImageReference,
  options: PullOptions,
): Promise<ResolvedTop> {
  const what = `manifest of ${ref.text}`;
  if (ref.digest) {
    const hit = await cachedManifest(options.cache, ref.digest);
    if (hit) {
      return { top: hit, parsed: parseManifest(hit.bytes, what), fresh: false };
    }
  }
  let top: FetchedManifest;
  try {
    top = await client.getManifest(manifestReference(ref));
  } catch (err) {
    if (
      !(err instanceof SkiffError && err.code === 'REGISTRY_UNREACHABLE') ||
      ref.digest
    ) {
      throw err;
    }
    return offlineTop(ref, options, err);
  }
  return {
    top,
    parsed: parseManifest(top.bytes, what, top.mediaType),
    fresh: true,
  };
}

/** The digest a tag had, when it is cached and still a manifest. */
async function offlineTop(
  ref: ImageReference,
  options: PullOptions,
  unreachable: SkiffError,
): Promise<ResolvedTop> {
  const digest = await readFile(refFile(options.refsDir, ref), 'utf8').catch(
    () => undefined,
  );
  const hit = digest ? await cachedManifest(options.cache, digest) : undefined;
  if (!hit) throw unreachable;
  let parsed: ParsedManifest;
  try {
    parsed = parseManifest(hit.bytes, `manifest of ${ref.text}`);
  } catch {
    // Left by an older Skiff, which cached any answer.
    throw unreachable;
  }
  options.logger.warn(
    `registry ${ref.registry} unreachable; using the cached ${ref.text} (${digest})`,
  );
  return { top: hit, parsed, fresh: false };
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
  const { top, fresh, ...resolved } = await resolveTop(client, ref, options);
  let parsed = resolved.parsed;
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
  if (fresh) {
    // Only now is the answer known to be an image the tag can stand for.
    await options.cache.write(top.digest, [top.bytes]);
    if (!ref.digest) await rememberTag(options.refsDir, ref, top.digest);
  }
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
