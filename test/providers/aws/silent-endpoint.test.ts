// An endpoint that accepts connections and never answers: the first
// Ctrl-C or SIGTERM ends the AWS call at once (exit 143 for SIGTERM),
// instead of the SDK waiting on the socket with the signal ignored.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interrupt } from '../../../src/cli/interrupt.js';
import { runCli, tempHome } from '../../helpers/cli-run.js';

let server: Server;
let port: number;
const sockets = new Set<Socket>();
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  home = await tempHome();
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  await home.cleanup();
});

describe('AWS: an endpoint that never answers', () => {
  it.each([
    ['instance', 'list'],
    ['image', 'list'],
  ])('skiff %s %s ends on the first SIGTERM', async (...command) => {
    const controller = new AbortController();
    let connected = false;
    server.once('connection', () => {
      connected = true;
      // Signalled only once the request is on the wire and unanswered.
      setTimeout(() => controller.abort(new Interrupt('SIGTERM')), 300);
    });
    const started = Date.now();
    const r = await runCli([...command, '-t', 'aws', '-z', 'us-east-1a'], {
      cwd: home.dir,
      signal: controller.signal,
      env: {
        ...home.env,
        AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE1234',
        AWS_SECRET_ACCESS_KEY: 'fakeSecretKeyValue/abcdefghijkl',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      },
    });
    expect(connected).toBe(true);
    expect(r.code).toBe(143);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
