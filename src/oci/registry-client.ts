// A small Distribution v2 / OCI registry client: manifest negotiation,
// anonymous and credentialed token auth, blob redirects, retries, and
// digest checks on everything it reads. Pushing is here too (tests and
// benchmarks publish images with it).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CloudError, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { abortError } from './abort.js';
import type { BlobCache } from './blob-cache.js';
import type { RegistryCredentials } from './credentials.js';
import { checkDigest, sha256Digest } from './digest.js';
import {
  DEFAULT_RETRY,
  sleep,
  withRetries,
  type RetryOptions,
} from './http-retry.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { registryApiHost } from './reference.js';
import {
  downloadError,
  expectOk,
  isRetryableDownload,
  networkError,
} from './registry-errors.js';
import { DEFAULT_STALL_MS, StallWatch } from './stall-watch.js';
import { RegistryAuth } from './registry-auth.js';
import { chooseRegistryBase, type ResolveHost } from './registry-host.js';
import { parseWwwAuthenticate } from './www-authenticate.js';

export interface RegistryClientOptions {
  registry: string;
  repository: string;
  /**
   * Plain HTTP (a registry without TLS). Without it, a registry on this
   * host still falls back to plain HTTP when it has no HTTPS.
   */
  insecure?: boolean;
  /** Name resolution for the on-this-host test (tests replace it). */
  resolveHost?: ResolveHost;
  credentials?: RegistryCredentials | undefined;
  logger: Logger;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** An attempt that receives nothing for this long is retried. */
  stallTimeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** `pull` or `pull,push`. */
  actions?: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string | undefined;
  digest: string;
}

interface RequestInitLite {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  contentLength?: number;
  /** The caller's attempt deadline; the caller then does the retries. */
  watch?: StallWatch;
}

const MAX_REDIRECTS = 5;

export class RegistryClient {
  private readonly auth: RegistryAuth;
  private base: string;
  private readonly doFetch: typeof fetch;
  private scheme: Promise<void> | undefined;

  constructor(private readonly options: RegistryClientOptions) {
    const host = registryApiHost(options.registry);
    this.base = `${options.insecure ? 'http' : 'https'}://${host}`;
    this.doFetch = options.fetch ?? fetch;
    this.auth = new RegistryAuth({
      ...options,
      fetchToken: (url, init) => this.fetchTokenResponse(url, init),
    });
  }

  /** https, or http for a registry on this host without HTTPS. */
  private chooseScheme(): Promise<void> {
    this.scheme ??= chooseRegistryBase(this.base, {
      ...this.options,
      get: (url) =>
        this.timed(url.host, (signal) =>
          this.doFetch(url, { redirect: 'manual', signal }),
        ),
    }).then((base) => {
      this.base = base;
    });
    return this.scheme;
  }

  private get what(): string {
    return `${this.options.registry}/${this.options.repository}`;
  }

  /** GET a manifest or index by tag or digest; checks its digest. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const what = `manifest ${this.refText(reference)}`;
    const { res, bytes } = await this.withAttempts(what, async (watch) => {
      const res = await this.request(
        `/v2/${this.options.repository}/manifests/${reference}`,
        { headers: { Accept: MANIFEST_ACCEPT.join(', ') }, watch },
      );
      if (res.status === 404) {
        await res.body?.cancel();
        throw new UserError(
          'IMAGE_NOT_FOUND',
          `image ${this.refText(reference)} not found in the registry`,
          { hint: 'check the repository name and tag' },
        );
      }
      await this.expectOk(res, `fetching ${what}`);
      return { res, bytes: Buffer.from(await res.arrayBuffer()) };
    });
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:')) checkDigest(reference, digest, what);
    const header = res.headers.get('docker-content-digest');
    if (header?.startsWith('sha256:')) checkDigest(header, digest, what);
    const type = res.headers.get('content-type')?.split(';')[0]?.trim();
    return { bytes, mediaType: type, digest };
  }

  /**
   * Downloads a blob into the cache (unless there) and returns its path.
   * A connection dropped or stalled mid-body starts the blob over.
   */
  async fetchBlob(
    digest: string,
    cache: BlobCache,
    onBytes?: (n: number) => void,
  ): Promise<string> {
    if (await cache.has(digest)) return cache.path(digest);
    const what = `blob ${digest} of ${this.what}`;
    let received = 0;
    const restart = () => {
      // Progress counted the lost bytes: take them back.
      onBytes?.(-received);
      received = 0;
    };
    return this.withAttempts(
      what,
      async (watch) => {
        const res = await this.request(
          `/v2/${this.options.repository}/blobs/${digest}`,
          { watch },
        );
        await this.expectOk(res, `fetching ${what}`);
        if (!res.body) {
          throw new CloudError(
            'REGISTRY_EMPTY_BODY',
            `${what}: empty response`,
          );
        }
        // Web streams are async iterable in Node: no conversion needed.
        const body = res.body as unknown as AsyncIterable<Uint8Array>;
        return cache.write(digest, watch.watch(body), (n) => {
          received += n;
          onBytes?.(n);
        });
      },
      restart,
    );
  }

  /**
   * Runs `work` up to the retry count, each attempt with its own stall
   * deadline; transient failures (also mid-body) start it over.
   */
  private async withAttempts<T>(
    what: string,
    work: (watch: StallWatch) => Promise<T>,
    onRetry?: () => void,
  ): Promise<T> {
    const { attempts, baseDelayMs } = this.options.retry ?? DEFAULT_RETRY;
    const signal = this.options.signal;
    const stallMs = this.options.stallTimeoutMs ?? DEFAULT_STALL_MS;
    for (let i = 1; ; i++) {
      const watch = new StallWatch(stallMs, what, signal);
      try {
        return await work(watch);
      } catch (err) {
        if (signal?.aborted) throw abortError(signal, `fetching ${what}`);
        if (i >= attempts || !isRetryableDownload(err)) {
          throw downloadError(err, what, i);
        }
        const why = err instanceof Error ? err.message : String(err);
        this.options.logger.debug(`${what}: ${why}; attempt ${i + 1}`);
        onRetry?.();
      } finally {
        watch.stop();
      }
      await sleep(baseDelayMs * 2 ** (i - 1), signal).catch(() => {
        throw abortError(signal!, `fetching ${what}`);
      });
    }
  }

  /** repo:tag, or repo@sha256:... for a digest. */
  private refText(reference: string): string {
    const sep = reference.startsWith('sha256:') ? '@' : ':';
    return `${this.what}${sep}${reference}`;
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request(
      `/v2/${this.options.repository}/blobs/${digest}`,
      { method: 'HEAD' },
    );
    await res.body?.cancel();
    return res.ok;
  }

  /** Monolithic upload: POST for a location, then PUT the bytes. */
  async pushBlob(digest: string, path: string): Promise<void> {
    if (await this.hasBlob(digest)) return;
    const start = await this.request(
      `/v2/${this.options.repository}/blobs/uploads/`,
      { method: 'POST', headers: { 'Content-Length': '0' } },
    );
    await this.expectOk(start, `starting upload of ${digest}`);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (!location) {
      throw new CloudError('REGISTRY_NO_LOCATION', 'upload has no Location');
    }
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const size = (await stat(path)).size;
    const put = await this.request(url.toString(), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: createReadStream(path),
      contentLength: size,
    });
    await this.expectOk(put, `uploading ${digest}`);
    await put.body?.cancel();
  }

  async putManifest(
    reference: string,
    bytes: Buffer,
    mediaType: string,
  ): Promise<void> {
    const res = await this.request(
      `/v2/${this.options.repository}/manifests/${reference}`,
      { method: 'PUT', headers: { 'Content-Type': mediaType }, body: bytes },
    );
    await this.expectOk(res, `pushing manifest ${this.refText(reference)}`);
    await res.body?.cancel();
  }

  private expectOk(res: Response, step: string): Promise<void> {
    return expectOk(res, step, this.options.registry);
  }

  /** One request with auth, manual redirects and retries. */
  private async request(
    pathOrUrl: string,
    init: RequestInitLite = {},
  ): Promise<Response> {
    await this.chooseScheme();
    const url = new URL(pathOrUrl, this.base);
    let res = await this.send(url, init, true);
    if (res.status === 401 && !(init.body instanceof Readable)) {
      const challenge = parseWwwAuthenticate(
        res.headers.get('www-authenticate'),
      );
      await res.body?.cancel();
      if (challenge && (await this.auth.answer(challenge))) {
        res = await this.send(url, init, true);
      }
    }
    return res;
  }

  private async send(
    start: URL,
    init: RequestInitLite,
    withAuth: boolean,
  ): Promise<Response> {
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = url.origin === new URL(this.base).origin;
      const headers: Record<string, string> = { ...init.headers };
      if (withAuth && sameOrigin) {
        const auth = this.auth.authorization();
        if (auth) headers.Authorization = auth;
      }
      if (init.contentLength !== undefined) {
        headers['Content-Length'] = String(init.contentLength);
      }
      const res = await this.fetchOnce(url, init, headers);
      const location = res.headers.get('location');
      const redirect = [301, 302, 303, 307, 308].includes(res.status);
      if (!redirect || !location || init.method === 'POST') return res;
      await res.body?.cancel();
      // A blob redirect usually points at object storage with its own
      // signed URL: the registry token must not follow it elsewhere.
      url = new URL(location, url);
    }
    throw new CloudError(
      'REGISTRY_REDIRECT_LOOP',
      `too many redirects from ${start.toString()}`,
    );
  }

  private async fetchOnce(
    url: URL,
    init: RequestInitLite,
    headers: Record<string, string>,
  ): Promise<Response> {
    const streamed = init.body instanceof Readable;
    const attempt = async (signal: AbortSignal | undefined) => {
      const body = streamed
        ? (Readable.toWeb(init.body as Readable) as unknown as Buffer)
        : init.body;
      return this.doFetch(url, {
        method: init.method ?? 'GET',
        headers,
        body,
        redirect: 'manual',
        signal,
        ...(body ? { duplex: 'half' } : {}),
      } as RequestInit);
    };
    const signal = this.options.signal;
    try {
      if (init.watch) {
        const res = await attempt(init.watch.signal);
        init.watch.touch();
        return res;
      }
      // A streamed upload cannot be replayed, and sends for a long time
      // before any answer: tried once, with no stall deadline.
      if (streamed) return await attempt(signal);
      return await withRetries(
        () => this.timed(`${url.host}`, (s) => attempt(s)),
        { ...(this.options.retry ?? DEFAULT_RETRY), signal },
      );
    } catch (err) {
      throw networkError(err, {
        url,
        insecure: this.options.insecure ?? false,
        signal,
      });
    }
  }

  /** One call under a stall deadline that ends when it returns. */
  private async timed<T>(
    what: string,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const watch = new StallWatch(
      this.options.stallTimeoutMs ?? DEFAULT_STALL_MS,
      what,
      this.options.signal,
    );
    try {
      return await call(watch.signal);
    } finally {
      watch.stop();
    }
  }

  private async fetchTokenResponse(
    url: URL,
    init: RequestInit,
  ): Promise<Response> {
    try {
      return await withRetries(
        () =>
          this.timed(`token from ${url.host}`, (signal) =>
            this.doFetch(url, { ...init, signal }),
          ),
        {
          ...(this.options.retry ?? DEFAULT_RETRY),
          signal: this.options.signal,
        },
      );
    } catch (err) {
      throw networkError(err, {
        url,
        insecure: this.options.insecure ?? false,
        signal: this.options.signal,
      });
    }
  }
}
