// Something that is not GCP at the Compute endpoint: what it sent is
// shown fit for a terminal, with no control bytes and a capped length.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupGcp, type GcpTestEnv } from './setup.js';

let gcp: GcpTestEnv;
let server: Server;
let url: string;
let body: Buffer;

beforeAll(async () => {
  gcp = await setupGcp();
  server = createServer((_req, res) => {
    res.statusCode = 502;
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await gcp.close();
});

describe('GCP: an endpoint that answers garbage', () => {
  it('quotes it without control bytes, cut to a readable length', async () => {
    body = Buffer.concat([
      Buffer.from([0, 0xff, 0x1b]),
      Buffer.from('[31mred'),
      Buffer.from('x'.repeat(2000)),
    ]);
    const provider = await gcp.provider(undefined, { computeEndpoint: url });
    const err = (await provider.listInstances().catch((e: unknown) => e)) as {
      message: string;
    };
    expect(err.message).toMatch(/^listing instances in us-central1-a: /);
    expect(err.message).not.toMatch(/[\u0000-\u001f\ufffd]/);
    expect(err.message.length).toBeLessThan(700);
    expect(err.message).toContain('characters)');
  });
});
