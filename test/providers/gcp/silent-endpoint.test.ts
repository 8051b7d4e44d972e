// Endpoints that take a request and never answer: the first Ctrl-C or
// SIGTERM ends the call at once, and without one each request ends at
// its deadline as GCP_NO_ANSWER (Compute calls, Storage calls, the
// resumable upload's session request).
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configWith, setupGcp, type GcpTestEnv } from './setup.js';

let gcp: GcpTestEnv;
let server: Server;
let url: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  gcp = await setupGcp();
  // Answers the bucket check only, so an upload gets as far as opening
  // its session; every other request waits for ever.
  server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/storage/v1/b/')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: 'skiff-images' }));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  await gcp.close();
});

describe('GCP: a Compute endpoint that never answers', () => {
  it('ends instance list on the first abort', async () => {
    const controller = new AbortController();
    server.once('connection', () => {
      setTimeout(() => controller.abort(), 300);
    });
    const provider = await gcp.provider(
      undefined,
      { computeEndpoint: url },
      {},
      controller.signal,
    );
    const started = Date.now();
    const err = await provider.listInstances().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ABORTED' });
    expect(controller.signal.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('GCP: the deadline of one request', () => {
  it('ends a Compute call with GCP_NO_ANSWER, naming the settings', async () => {
    const provider = await gcp.provider(
      undefined,
      { computeEndpoint: url },
      {},
      undefined,
      { requestTimeoutMs: 300 },
    );
    const started = Date.now();
    const err = await provider.listInstances().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'GCP_NO_ANSWER',
      hint: expect.stringContaining('SKIFF_GCP_COMPUTE_ENDPOINT'),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends the upload session request too', async () => {
    // A Cloud Storage endpoint of its own (not the emulator, whose
    // requests bypass the auth client): the resumable session POST.
    const provider = await gcp.provider(
      undefined,
      { storageEndpoint: url },
      { STORAGE_EMULATOR_HOST: undefined },
      undefined,
      { requestTimeoutMs: 300, storageRetries: 1 },
    );
    const started = Date.now();
    const err = await provider
      .createImage({
        name: 'slow',
        image: gcp.image,
        config: configWith({ ...gcp.cloud, storageEndpoint: url }),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'GCP_NO_ANSWER',
      message: expect.stringMatching(/^starting the upload of gs:/),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
