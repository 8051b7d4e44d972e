// The HTTP server example reached from the host through a port forward,
// then stopped with the abort signal (Ctrl-C).
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/http-server');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function pollUntilAnswer(url: string, deadlineMs: number) {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, body: await res.text() };
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`no answer from ${url} in ${deadlineMs} ms: ${last}`);
}

describe.skipIf(!kernel)('skiff run: http server with a port forward', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let program: string;

  beforeAll(async () => {
    home = await tempHome();
    program = await compileC(
      join(example, 'server.c'),
      join(home.dir, 'server'),
    );
  });
  afterAll(() => home.cleanup());

  it('answers on the forwarded port and stops on abort', async () => {
    const port = await freePort();
    const ac = new AbortController();
    const run = runCli(
      [
        'run',
        program,
        '-p',
        `${port}:8080`,
        '--accel',
        'tcg',
        '--timeout',
        '120',
      ],
      { env: { ...home.env, SKIFF_NANOS_DIR: kernel }, signal: ac.signal },
    );
    try {
      const res = await pollUntilAnswer(`http://127.0.0.1:${port}/`, 60_000);
      expect(res).toEqual({ status: 200, body: 'hello from skiff\n' });
    } finally {
      ac.abort();
    }
    const r = await run;
    expect(r.stdout).toContain('listening on 0.0.0.0:8080');
    expect(r.code).toBe(130);
    // The port is free again once the VM is gone.
    const again = createServer();
    await new Promise<void>((res, rej) => {
      again.once('error', rej);
      again.listen(port, '0.0.0.0', () => res());
    });
    again.close();
  });
});
