// A small Distribution v2 / OCI registry client: manifest negotiation,
// anonymous and credentialed token auth, blob redirects, retries, and
// digest checks on everything it reads. Pushing is here too (tests and
// benchmarks publish images with it).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CloudError,
  EnvironmentError,
  SkiffError,
  UserError,
} from '../errors.js';
import type { Logger } from '../log.js';
import { abortError } from './abort.js';
import type { BlobCache } from './blob-cache.js';
import type { RegistryCredentials } from './credentials.js';
import { checkDigest, sha256Digest } from './digest.js';
import { withRetries, type RetryOptions } from './http-retry.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { registryApiHost } from './reference.js';
import {
  parseWwwAuthenticate,
  type AuthChallenge,
} from './www-authenticate.js';

export interface RegistryClientOptions {
  registry: string;
  repository: string;
  /** Plain HTTP (a local registry without TLS). */
  insecure?: boolean;
  credentials?: RegistryCredentials | undefined;
  logger: Logger;
  fetch?: typeof fetch;
  retry?: RetryOptions;
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
}

const MAX_REDIRECTS = 5;

export class RegistryClient {
  private token: string | undefined;
  private basic: string | undefined;
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: RegistryClientOptions) {
    const host = registryApiHost(options.registry);
    this.base = `${options.insecure ? 'http' : 'https'}://${host}`;
    this.doFetch = options.fetch ?? fetch;
    const c = options.credentials;
    if (c?.password) options.logger.addSecret(c.password);
    if (c?.identityToken) options.logger.addSecret(c.identityToken);
  }

  private get what(): string {
    return `${this.options.registry}/${this.options.repository}`;
  }

  /** GET a manifest or index by tag or digest; checks its digest. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const res = await this.request(
      `/v2/${this.options.repository}/manifests/${reference}`,
      { headers: { Accept: MANIFEST_ACCEPT.join(', ') } },
    );
    if (res.status === 404) {
      await res.body?.cancel();
      throw new UserError(
        'IMAGE_NOT_FOUND',
        `image ${this.what}:${reference} not found in the registry`,
        { hint: 'check the repository name and tag' },
      );
    }
    const step = `fetching manifest ${this.refText(reference)}`;
    await this.expectOk(res, step);
    const bytes = await this.guard(step, async () =>
      Buffer.from(await res.arrayBuffer()),
    );
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:')) {
      checkDigest(reference, digest, `manifest ${this.what}@${reference}`);
    }
    const header = res.headers.get('docker-content-digest');
    if (header?.startsWith('sha256:')) {
      checkDigest(header, digest, `manifest ${this.what}:${reference}`);
    }
    const type = res.headers.get('content-type')?.split(';')[0]?.trim();
    return { bytes, mediaType: type, digest };
  }

  /** Downloads a blob into the cache (unless there) and returns its path. */
  async fetchBlob(
    digest: string,
    cache: BlobCache,
    onBytes?: (n: number) => void,
  ): Promise<string> {
    if (await cache.has(digest)) return cache.path(digest);
    const what = `blob ${digest} of ${this.what}`;
    const res = await this.request(
      `/v2/${this.options.repository}/blobs/${digest}`,
    );
    await this.expectOk(res, `fetching ${what}`);
    if (!res.body) {
      throw new CloudError('REGISTRY_EMPTY_BODY', `${what}: empty response`);
    }
    // Web streams are async iterable in Node: no conversion needed.
    const body = res.body as unknown as AsyncIterable<Uint8Array>;
    return this.guard(`fetching ${what}`, () =>
      cache.write(digest, body, onBytes),
    );
  }

  /** Runs `work`; once the signal fired, its failure is the abort. */
  private async guard<T>(step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const signal = this.options.signal;
      if (signal?.aborted) throw abortError(signal, step);
      throw err;
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
    await this.expectOk(res, `pushing manifest ${this.what}:${reference}`);
    await res.body?.cancel();
  }

  private async expectOk(res: Response, step: string): Promise<void> {
    if (res.ok) return;
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.status === 401 || res.status === 403) {
      throw new UserError(
        'REGISTRY_UNAUTHORIZED',
        `${step}: access denied (HTTP ${res.status})`,
        {
          hint: `log in with \`docker login ${this.options.registry}\` or check the image name`,
        },
      );
    }
    if (res.status === 429) {
      throw new CloudError(
        'REGISTRY_RATE_LIMITED',
        `${step}: the registry's rate limit was reached (HTTP 429)`,
        {
          status: 429,
          retryable: true,
          hint: `wait, or log in (\`docker login ${this.options.registry}\`) for a higher limit`,
        },
      );
    }
    throw new CloudError(
      'REGISTRY_HTTP_ERROR',
      `${step}: HTTP ${res.status} ${text}`.trim(),
      { status: res.status, retryable: res.status >= 500 },
    );
  }

  /** One request with auth, manual redirects and retries. */
  private async request(
    pathOrUrl: string,
    init: RequestInitLite = {},
  ): Promise<Response> {
    const url = new URL(pathOrUrl, this.base);
    let res = await this.send(url, init, true);
    if (res.status === 401 && !(init.body instanceof Readable)) {
      const challenge = parseWwwAuthenticate(
        res.headers.get('www-authenticate'),
      );
      await res.body?.cancel();
      if (challenge && (await this.authenticate(challenge))) {
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
        const auth = this.authorization();
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
    const attempt = () => {
      const body =
        init.body instanceof Readable
          ? (Readable.toWeb(init.body) as unknown as Buffer | string)
          : init.body;
      return this.doFetch(url, {
        method: init.method ?? 'GET',
        headers,
        body,
        redirect: 'manual',
        signal: this.options.signal,
        ...(body ? { duplex: 'half' } : {}),
      } as RequestInit);
    };
    try {
      // A streamed body cannot be replayed, so uploads are tried once.
      return init.body instanceof Readable
        ? await attempt()
        : await withRetries(attempt, {
            ...(this.options.retry ?? { attempts: 4, baseDelayMs: 250 }),
            signal: this.options.signal,
          });
    } catch (err) {
      throw this.networkError(err, url);
    }
  }

  private networkError(err: unknown, url: URL): unknown {
    const signal = this.options.signal;
    if (signal?.aborted) {
      return abortError(signal, `talking to registry ${url.host}`);
    }
    if (err instanceof SkiffError) return err;
    const cause = (err as { cause?: { code?: string; message?: string } })
      ?.cause;
    const code = cause?.code ?? '';
    const tlsProblem = /SSL|TLS|EPROTO|CERT/i.test(
      `${code} ${cause?.message ?? ''}`,
    );
    return new EnvironmentError(
      'REGISTRY_UNREACHABLE',
      `cannot reach registry ${url.host} (${code || (err as Error).message})`,
      {
        cause: err,
        hint:
          tlsProblem && !this.options.insecure
            ? 'for a registry without TLS, add --insecure-registry'
            : 'check the registry address and your network',
      },
    );
  }

  private authorization(): string | undefined {
    if (this.token) return `Bearer ${this.token}`;
    return this.basic;
  }

  /** Answers a challenge; false when there is nothing more to try. */
  private async authenticate(challenge: AuthChallenge): Promise<boolean> {
    const creds = this.options.credentials;
    if (challenge.scheme === 'basic') {
      if (!creds?.username || this.basic) return false;
      this.basic = `Basic ${Buffer.from(
        `${creds.username}:${creds.password ?? ''}`,
      ).toString('base64')}`;
      this.options.logger.addSecret(this.basic.slice(6));
      return true;
    }
    // A token seen before may have expired (Docker Hub's last minutes):
    // a fresh one is fetched; request() retries only once.
    if (challenge.scheme !== 'bearer') return false;
    const realm = challenge.params.realm;
    if (!realm) return false;
    const scope = `repository:${this.options.repository}:${this.options.actions ?? 'pull'}`;
    this.token = await this.fetchToken(realm, challenge.params.service, scope);
    this.options.logger.addSecret(this.token);
    return true;
  }

  private async fetchToken(
    realm: string,
    service: string | undefined,
    scope: string,
  ): Promise<string> {
    const creds = this.options.credentials;
    const url = new URL(realm);
    let res: Response;
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'skiff',
        scope,
      });
      if (service) form.set('service', service);
      res = await this.fetchTokenResponse(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (creds?.username) {
        const basic = Buffer.from(
          `${creds.username}:${creds.password ?? ''}`,
        ).toString('base64');
        this.options.logger.addSecret(basic);
        headers.Authorization = `Basic ${basic}`;
      }
      res = await this.fetchTokenResponse(url, { headers });
    }
    await this.expectOk(res, `getting a token from ${url.host}`);
    const body = (await res.json()) as {
      token?: string;
      access_token?: string;
    };
    const token = body.token ?? body.access_token;
    if (!token) {
      throw new CloudError(
        'REGISTRY_TOKEN_MISSING',
        `token endpoint ${url.host} returned no token`,
      );
    }
    return token;
  }

  private async fetchTokenResponse(
    url: URL,
    init: RequestInit,
  ): Promise<Response> {
    try {
      return await withRetries(() =>
        this.doFetch(url, { ...init, signal: this.options.signal }),
      );
    } catch (err) {
      throw this.networkError(err, url);
    }
  }
}
