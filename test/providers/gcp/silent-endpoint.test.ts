// A Compute endpoint that accepts connections and never answers: the
// first Ctrl-C or SIGTERM ends the call at once.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupGcp, type GcpTestEnv } from './setup.js';

let gcp: GcpTestEnv;
let server: Server;
let url: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  gcp = await setupGcp();
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
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
