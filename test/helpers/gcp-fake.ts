// A small GCP on 127.0.0.1 for tests: the GCE metadata server (tokens),
// the GCS JSON API (buckets, objects, resumable uploads) and the Compute
// REST API (images, instances, firewalls, operations, serial port). The
// real SDKs talk to it; nothing leaves the loopback interface.
import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, gunzipSync } from 'node:zlib';
import { CRC32C } from '@google-cloud/storage';

type Json = Record<string, any>;

export interface FakeOperation extends Json {
  name: string;
  status: 'RUNNING' | 'DONE';
}

export interface OperationError {
  code: string;
  message: string;
}

export interface FakeRequest {
  /** Date.now() when it arrived. */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body?: Json;
}

export interface GcpFakeOptions {
  /** The access token the metadata server hands out. */
  token?: string;
  /** A new random token for every token request (as after expiry). */
  rotateTokens?: boolean;
  /** expires_in of each token; under 5 min makes clients refresh often. */
  tokenTtlSeconds?: number;
}

interface UploadSession {
  bucket: string;
  name: string;
  metadata: Json;
  data: Buffer[];
  size: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Inflates only the start of a tar.gz: enough for its first header. */
function tarHeaderOf(gz: Buffer): Buffer | undefined {
  try {
    const head = gunzipSync(gz.subarray(0, 4096), {
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    return head.length >= 512 ? head.subarray(0, 512) : undefined;
  } catch {
    return undefined;
  }
}

export class GcpFake {
  /** The first token handed out (the only one unless rotating). */
  readonly token: string;
  /** Every token handed out, in order. */
  readonly issuedTokens: string[] = [];
  readonly requests: FakeRequest[] = [];
  readonly buckets = new Set<string>();
  readonly objects = new Map<string, { data: Buffer; metadata: Json }>();
  readonly images = new Map<string, Json>();
  readonly instances = new Map<string, Json>();
  readonly firewalls = new Map<string, Json>();
  readonly operations = new Map<string, FakeOperation>();
  /** Serial console text per instance, and bytes already dropped. */
  readonly serial = new Map<string, { text: string; droppedBytes: number }>();
  /** Knobs for failure cases. */
  /** The next image insert ends DONE with this error (or these). */
  failNextImage?: OperationError | OperationError[];
  /** The next instance insert ends DONE with this error, creating none. */
  failNextInstance?: OperationError;
  dropUploadOnce = false;
  serialNotReadyCalls = 0;
  /** Fails the next request whose path contains `pathIncludes` (and
   * whose method is `method`, if set); `{auth}` in the message is
   * replaced by the request's Authorization header. `times` fails that
   * many such requests (default 1); `reset` hangs up without an answer. */
  failNext?: {
    pathIncludes: string;
    method?: string;
    status: number;
    reason: string;
    message: string;
    times?: number;
    reset?: boolean;
  };
  /** Called with each request as it arrives, before it is answered. */
  onRequest?: (request: FakeRequest) => void;
  /** Items per list page (GCE pages at 500). */
  pageSize = Infinity;
  /** `wait` calls an operation stays RUNNING for. */
  operationWaits = 1;
  /** How long each `wait` call blocks, as GCE's does (up to 2 min). */
  waitDelayMs = 0;
  private readonly sessions = new Map<string, UploadSession>();
  private server?: Server;
  private nextId = 1000;
  private readonly rotateTokens: boolean;
  private readonly tokenTtlSeconds: number;

  constructor(options: GcpFakeOptions = {}) {
    this.token = options.token ?? newToken();
    this.rotateTokens = options.rotateTokens === true;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get hostPort(): string {
    return this.url.slice('http://'.length);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Node closes idle keep-alive sockets after 5 s, racing a client that
    // reuses one (ECONNRESET); Google's front ends keep them far longer.
    this.server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) =>
      this.server!.listen(0, '127.0.0.1', resolve),
    );
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Appends console output; `keepBytes` simulates the 1 MiB window. */
  writeSerial(instance: string, text: string, keepBytes?: number): void {
    const s = this.serial.get(instance) ?? { text: '', droppedBytes: 0 };
    s.text += text;
    if (keepBytes !== undefined && s.text.length > keepBytes) {
      s.droppedBytes += s.text.length - keepBytes;
      s.text = s.text.slice(s.text.length - keepBytes);
    }
    this.serial.set(instance, s);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: FakeRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: new URLSearchParams(url.searchParams),
      headers: req.headers,
    };
    this.requests.push(record);
    this.onRequest?.(record);
    try {
      const fail = this.failNext;
      if (
        fail &&
        url.pathname.includes(fail.pathIncludes) &&
        (!fail.method || fail.method === req.method)
      ) {
        const left = (fail.times ?? 1) - 1;
        this.failNext = left > 0 ? { ...fail, times: left } : undefined;
        if (fail.reset) {
          req.socket.destroy();
          return;
        }
        const auth = String(req.headers.authorization ?? '');
        throw new HttpError(
          fail.status,
          fail.reason,
          fail.message.replace('{auth}', auth),
        );
      }
      if (url.pathname.startsWith('/computeMetadata/')) {
        return this.metadata(url.pathname, res);
      }
      if (url.pathname.startsWith('/upload/storage/v1/b/')) {
        return await this.upload(req, res, url);
      }
      const body = await readBody(req);
      if (body.length && req.headers['content-type']?.includes('json')) {
        record.body = JSON.parse(body.toString('utf8'));
      }
      const path = url.pathname.replace(/^\/storage\/v1(?=\/b)/, '');
      if (path.startsWith('/b')) return this.storage(record, path, res);
      if (path.startsWith('/compute/v1/projects/')) {
        return this.compute(record, path, res);
      }
      throw new HttpError(404, 'notFound', `no route ${url.pathname}`);
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, {
          error: {
            code: err.status,
            message: err.message,
            errors: [{ message: err.message, reason: err.reason }],
          },
        });
      } else {
        send(res, 500, { error: { code: 500, message: String(err) } });
      }
    }
  }

  private metadata(path: string, res: ServerResponse) {
    res.setHeader('Metadata-Flavor', 'Google');
    if (path.endsWith('/service-accounts/default/token')) {
      const first = this.issuedTokens.length === 0;
      const token = first || !this.rotateTokens ? this.token : newToken();
      this.issuedTokens.push(token);
      return send(res, 200, {
        access_token: token,
        expires_in: this.tokenTtlSeconds,
        token_type: 'Bearer',
      });
    }
    if (path === '/computeMetadata/v1/instance') {
      return send(res, 200, '');
    }
    return send(res, 404, 'not found');
  }

  private storage(req: FakeRequest, path: string, res: ServerResponse) {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'POST' && parts.length === 1) {
      const name = String(req.body?.name);
      if (this.buckets.has(name)) {
        throw new HttpError(409, 'conflict', `bucket ${name} exists`);
      }
      this.buckets.add(name);
      return send(res, 200, { kind: 'storage#bucket', name });
    }
    const bucket = parts[1]!;
    if (!this.buckets.has(bucket)) {
      throw new HttpError(
        404,
        'notFound',
        'The specified bucket does not exist.',
      );
    }
    if (parts.length === 2) {
      return send(res, 200, { kind: 'storage#bucket', name: bucket });
    }
    const key = `${bucket}/${parts[3]}`;
    const object = this.objects.get(key);
    if (!object) throw new HttpError(404, 'notFound', `No such object: ${key}`);
    if (req.method === 'DELETE') {
      this.objects.delete(key);
      return send(res, 204, '');
    }
    return send(res, 200, object.metadata);
  }

  private async upload(req: IncomingMessage, res: ServerResponse, url: URL) {
    const bucket = decodeURIComponent(url.pathname.split('/')[5]!);
    const uploadId = url.searchParams.get('upload_id');
    if (req.method === 'POST' && !uploadId) {
      const body = await readBody(req);
      if (!this.buckets.has(bucket)) {
        throw new HttpError(
          404,
          'notFound',
          'The specified bucket does not exist.',
        );
      }
      const metadata = body.length ? JSON.parse(body.toString('utf8')) : {};
      // GCS takes the object's content type from this header.
      const type = req.headers['x-upload-content-type'];
      if (type) metadata.contentType = String(type);
      const name = url.searchParams.get('name') ?? metadata.name;
      const id = randomBytes(8).toString('hex');
      this.sessions.set(id, { bucket, name, metadata, data: [], size: 0 });
      url.searchParams.set('upload_id', id);
      res.setHeader('Location', `${this.url}${url.pathname}${url.search}`);
      return send(res, 200, '');
    }
    const session = this.sessions.get(uploadId ?? '');
    if (!session) throw new HttpError(404, 'notFound', 'no such upload');
    const range = String(req.headers['content-range'] ?? '');
    const m = /^bytes (\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(range);
    if (!m) throw new HttpError(400, 'invalid', `bad Content-Range ${range}`);
    if (m[1] !== '*') {
      if (Number(m[2]) !== session.size) {
        throw new HttpError(400, 'invalid', `expected offset ${session.size}`);
      }
      const ok = await this.receiveChunk(req, res, session);
      if (!ok) return;
    } else {
      await readBody(req);
    }
    const total = m[4] === '*' ? undefined : Number(m[4]);
    if (total !== undefined && session.size === total) {
      return send(res, 200, this.finishUpload(session));
    }
    if (session.size > 0) res.setHeader('Range', `bytes=0-${session.size - 1}`);
    return send(res, 308, '');
  }

  /** Takes one chunk; with dropUploadOnce, keeps 100 KiB of it and hangs up. */
  private async receiveChunk(
    req: IncomingMessage,
    res: ServerResponse,
    session: UploadSession,
  ): Promise<boolean> {
    if (!this.dropUploadOnce) {
      const body = await readBody(req);
      session.data.push(body);
      session.size += body.length;
      return true;
    }
    this.dropUploadOnce = false;
    const keep = 100 * 1024;
    let got = Buffer.alloc(0);
    for await (const chunk of req) {
      got = Buffer.concat([got, chunk as Buffer]);
      if (got.length > keep) break;
    }
    const kept = got.subarray(0, Math.min(keep, got.length));
    session.data.push(kept);
    session.size += kept.length;
    res.socket?.destroy();
    return false;
  }

  private finishUpload(session: UploadSession): Json {
    const data = Buffer.concat(session.data);
    const metadata = {
      ...session.metadata,
      kind: 'storage#object',
      bucket: session.bucket,
      name: session.name,
      size: String(data.length),
      generation: String(this.nextId++),
      md5Hash: createHash('md5').update(data).digest('base64'),
      crc32c: crc32cOf(data),
    };
    this.objects.set(`${session.bucket}/${session.name}`, { data, metadata });
    return metadata;
  }

  private compute(req: FakeRequest, path: string, res: ServerResponse) {
    const parts = path.split('/').slice(4).map(decodeURIComponent);
    const project = parts[0]!;
    const [scope, ...rest] = parts.slice(1);
    const zone = scope === 'zones' ? rest.shift() : undefined;
    const [collection, name, verb] = rest;
    const key = `${req.method} ${collection}${name ? ' :name' : ''}${
      verb ? ` ${verb}` : ''
    }`;
    const ctx = { project, zone, name: name!, req };
    switch (key) {
      case 'POST operations :name wait':
      case 'GET operations :name': {
        const op = this.waitOperation(name!, req.method === 'POST');
        if (!this.waitDelayMs) return send(res, 200, op);
        setTimeout(() => send(res, 200, op), this.waitDelayMs);
        return;
      }
      case 'POST images':
        return send(res, 200, this.insertImage(ctx));
      case 'GET images :name':
        return send(res, 200, this.get(this.images, ctx, 'images'));
      case 'GET images':
        return send(res, 200, list(this.images, req.query, this.pageSize));
      case 'DELETE images :name':
        this.get(this.images, ctx, 'images');
        this.images.delete(name!);
        return send(res, 200, this.operation(ctx, 'delete'));
      case 'POST firewalls':
        return send(res, 200, this.insertFirewall(ctx));
      case 'GET firewalls :name':
        return send(res, 200, this.get(this.firewalls, ctx, 'firewalls'));
      case 'DELETE firewalls :name':
        this.get(this.firewalls, ctx, 'firewalls');
        this.firewalls.delete(name!);
        return send(res, 200, this.operation(ctx, 'delete'));
      case 'POST instances':
        return send(res, 200, this.insertInstance(ctx));
      case 'GET instances :name':
        return send(res, 200, this.instance(ctx));
      case 'GET instances':
        return send(res, 200, list(this.instances, req.query, this.pageSize));
      case 'POST instances :name start':
      case 'POST instances :name stop': {
        const instance = this.instance(ctx);
        instance.status = verb === 'start' ? 'RUNNING' : 'TERMINATED';
        return send(res, 200, this.operation(ctx, verb!));
      }
      case 'DELETE instances :name':
        this.instance(ctx);
        this.instances.delete(name!);
        this.serial.delete(name!);
        return send(res, 200, this.operation(ctx, 'delete'));
      case 'GET instances :name serialPort':
        return send(res, 200, this.serialPort(ctx));
    }
    throw new HttpError(404, 'notFound', `no compute route ${key}`);
  }

  private get(
    map: Map<string, Json>,
    ctx: { project: string; name: string },
    kind: string,
  ): Json {
    const item = map.get(ctx.name);
    if (!item) {
      throw new HttpError(
        404,
        'notFound',
        `The resource 'projects/${ctx.project}/global/${kind}/${ctx.name}' was not found`,
      );
    }
    return item;
  }

  /** An instance of this zone; seeded ones without a zone are in all. */
  private instance(ctx: {
    project: string;
    zone?: string;
    name: string;
  }): Json {
    const item = this.get(this.instances, ctx, 'instances');
    const zone = item.zone ? String(item.zone).split('/').pop() : ctx.zone;
    if (zone !== ctx.zone) {
      throw new HttpError(
        404,
        'notFound',
        `The resource 'projects/${ctx.project}/zones/${ctx.zone}/instances/${ctx.name}' was not found`,
      );
    }
    return item;
  }

  private operation(
    ctx: { project: string; zone?: string; name: string },
    type: string,
    error?: OperationError | OperationError[],
  ): FakeOperation {
    const op: FakeOperation = {
      kind: 'compute#operation',
      id: String(this.nextId++),
      name: `operation-${this.nextId}-${type}`,
      operationType: type,
      targetLink: ctx.name,
      status: 'RUNNING',
      ...(ctx.zone ? { zone: ctx.zone } : {}),
      waits: 0,
      pendingError: error,
    };
    this.operations.set(op.name, op);
    return { ...op, waits: undefined, pendingError: undefined };
  }

  private waitOperation(name: string, isWait: boolean): Json {
    const op = this.operations.get(name);
    if (!op) throw new HttpError(404, 'notFound', `no operation ${name}`);
    if (isWait && op.status === 'RUNNING') {
      op.waits++;
      if (op.waits >= this.operationWaits) {
        op.status = 'DONE';
        if (op.pendingError) op.error = { errors: [op.pendingError].flat() };
      }
    }
    const { waits: _w, pendingError: _e, ...visible } = op;
    return visible;
  }

  private insertImage(ctx: { project: string; req: FakeRequest }): Json {
    const body = ctx.req.body ?? {};
    const name = String(body.name);
    if (this.images.has(name)) {
      throw new HttpError(
        409,
        'alreadyExists',
        `The resource 'projects/${ctx.project}/global/images/${name}' already exists`,
      );
    }
    let error = this.failNextImage;
    this.failNextImage = undefined;
    const source = String(body.rawDisk?.source ?? '');
    const prefix = 'https://storage.googleapis.com/';
    const object = this.objects.get(source.slice(prefix.length));
    const header = object ? tarHeaderOf(object.data) : undefined;
    if (!error && !source.startsWith(prefix)) {
      error = { code: 'INVALID_URL', message: `bad source ${source}` };
    } else if (!error && !header) {
      error = { code: 'INVALID_IMAGE_TAR', message: 'cannot read the tar.gz' };
    } else if (!error && !isOldGnuDiskRaw(header!)) {
      error = { code: 'INVALID_IMAGE_TAR', message: 'disk.raw not found' };
    }
    const op = this.operation({ ...ctx, name }, 'insert', error);
    if (!error) {
      const size = Number.parseInt(header!.toString('latin1', 124, 135), 8);
      this.images.set(name, {
        ...body,
        id: String(this.nextId++),
        status: 'READY',
        diskSizeGb: String(Math.ceil(size / 2 ** 30)),
        creationTimestamp: '2026-12-03T12:00:00.000-08:00',
      });
    }
    return op;
  }

  private insertFirewall(ctx: { project: string; req: FakeRequest }): Json {
    const body = ctx.req.body ?? {};
    if (this.firewalls.has(body.name)) {
      throw new HttpError(409, 'alreadyExists', `firewall ${body.name} exists`);
    }
    // As GCE: one rule's source ranges are all IPv4 or all IPv6.
    const families = new Set(
      (body.sourceRanges ?? []).map((r: string) => r.includes(':')),
    );
    if (families.size > 1) {
      throw new HttpError(400, 'invalid', 'mixed IPv4 and IPv6 ranges');
    }
    this.firewalls.set(body.name, { ...body, id: String(this.nextId++) });
    return this.operation({ ...ctx, name: body.name }, 'insert');
  }

  private insertInstance(ctx: {
    project: string;
    zone?: string;
    req: FakeRequest;
  }): Json {
    const body = ctx.req.body ?? {};
    if (this.instances.has(body.name)) {
      throw new HttpError(409, 'alreadyExists', `instance ${body.name} exists`);
    }
    const error = this.failNextInstance;
    this.failNextInstance = undefined;
    if (error)
      return this.operation({ ...ctx, name: body.name }, 'insert', error);
    this.instances.set(body.name, {
      ...body,
      id: String(this.nextId++),
      zone: `${this.url}/compute/v1/projects/${ctx.project}/zones/${ctx.zone}`,
      status: 'RUNNING',
      creationTimestamp: '2026-12-03T12:00:00.000-08:00',
      networkInterfaces: (body.networkInterfaces ?? []).map((n: Json) => ({
        ...n,
        networkIP: '10.128.0.2',
        accessConfigs: (n.accessConfigs ?? []).map((a: Json) => ({
          ...a,
          natIP: a.natIP ?? '203.0.113.7',
        })),
        ...(n.ipv6AccessConfigs
          ? {
              ipv6AccessConfigs: n.ipv6AccessConfigs.map((a: Json) => ({
                ...a,
                externalIpv6: '2001:db8::7',
              })),
            }
          : {}),
      })),
    });
    return this.operation({ ...ctx, name: body.name }, 'insert');
  }

  private serialPort(ctx: { name: string; req: FakeRequest }): Json {
    this.get(this.instances, ctx as never, 'instances');
    if (this.serialNotReadyCalls > 0) {
      this.serialNotReadyCalls--;
      throw new HttpError(
        400,
        'resourceNotReady',
        `The resource '${ctx.name}' is not ready`,
      );
    }
    const s = this.serial.get(ctx.name) ?? { text: '', droppedBytes: 0 };
    const end = s.droppedBytes + s.text.length;
    let start = Number(ctx.req.query.get('start') ?? 0);
    if (start < 0) start = Math.max(s.droppedBytes, end + start);
    start = Math.min(Math.max(start, s.droppedBytes), end);
    return {
      kind: 'compute#serialPortOutput',
      contents: s.text.slice(start - s.droppedBytes),
      start: String(start),
      next: String(end),
    };
  }
}

function newToken(): string {
  return `ya29.fake-${randomBytes(12).toString('hex')}`;
}

function crc32cOf(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

/** OLDGNU magic ("ustar  \0") and one member called disk.raw. */
function isOldGnuDiskRaw(header: Buffer): boolean {
  return (
    header.toString('latin1', 0, 9) === 'disk.raw\0' &&
    header.toString('latin1', 257, 265) === 'ustar  \0'
  );
}

/**
 * A list page, as Compute pages: at most `pageSize` items (or maxResults,
 * if smaller) from the offset in pageToken, and a nextPageToken while
 * more are left.
 */
function list(
  map: Map<string, Json>,
  query: URLSearchParams,
  pageSize = Infinity,
): Json {
  const m = /^labels\.([a-z0-9_-]+)\s*=\s*"?([a-z0-9_-]*)"?$/.exec(
    query.get('filter') ?? '',
  );
  const items = [...map.values()].filter(
    (item) => !m || item.labels?.[m[1]!] === m[2],
  );
  const start = Number(query.get('pageToken') || 0);
  const size = Math.min(pageSize, Number(query.get('maxResults')) || Infinity);
  const end = Math.min(items.length, start + size);
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextPageToken: String(end) } : {}),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: Json | string) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.statusCode = status;
  if (typeof body !== 'string')
    res.setHeader('Content-Type', 'application/json');
  res.end(text);
}
