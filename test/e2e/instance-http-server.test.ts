// A long-running HTTP server instance: reached from the host on its
// forwarded port, stopped gracefully (the port is free again), started
// again, deleted.
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { compileC } from '../helpers/cli-run.js';
import { useInstanceHome } from '../helpers/instance-home.js';
import { findKernelForTests } from '../helpers/kernel.js';
import {
  liveProcesses,
  recordedProcesses,
  stillAlive,
  waitFor,
} from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/http-server');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function get(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

describe.skipIf(!kernel)('skiff instance: http server', () => {
  const h = useInstanceHome(kernel, async (dir) => {
    await compileC(join(example, 'server.c'), join(dir, 'server'));
  });
  const { cli } = h;

  it('serves, stops gracefully, starts again, deletes', async () => {
    const made = await cli(
      'image',
      'create',
      './server',
      '-c',
      join(example, 'config.json'),
      '--imagename',
      'web',
    );
    expect(made.code).toBe(0);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const created = await cli(
      'instance',
      'create',
      '--instance-name',
      'web1',
      'web',
      '-p',
      `${port}:8080`,
      '--accel',
      'tcg',
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      new RegExp(`web1\\s+web\\s+running\\s+${port}->8080/tcp\\s+\\d+`),
    );

    const started = Date.now();
    expect(await waitFor(() => get(url), 60_000, 'the server')).toBe(
      'hello from skiff\n',
    );
    console.log(`http server reachable after ${Date.now() - started} ms`);
    const logs = await cli('instance', 'logs', 'web1');
    expect(logs.stdout).toContain('listening on 0.0.0.0:8080');

    // The port is taken while it runs: a second instance is refused.
    const clash = await cli(
      'instance',
      'create',
      '--instance-name',
      'web2',
      'web',
      '-p',
      `${port}:8080`,
      '--accel',
      'tcg',
    );
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('web1');
    // And `skiff run` names the instance too, not just "in use".
    const run = await cli('run', './server', '-p', `${port}:8080`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `host tcp port ${port} is already forwarded to running instance "web1"`,
    );

    const stopAt = Date.now();
    expect((await cli('instance', 'stop', 'web1')).code).toBe(0);
    console.log(`graceful stop: ${Date.now() - stopAt} ms`);
    const listed = JSON.parse((await cli('instance', 'list', '--json')).stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'web1', state: 'stopped' });
    expect(listed[0].pid).toBeUndefined();
    // Graceful: the power button ended it (Nanos reports SIGTERM's 15),
    // not QMP quit or SIGKILL.
    expect(listed[0].details).toMatchObject({
      stoppedBy: 'powerdown',
      exitKind: 'app',
    });
    expect(listed[0].exitCode).toBe(15);
    expect(await get(url)).toBeUndefined();
    expect(await liveProcesses(resolvePaths(h.env))).toEqual([]);

    expect((await cli('instance', 'start', 'web1')).code).toBe(0);
    expect(await waitFor(() => get(url), 60_000, 'the server again')).toBe(
      'hello from skiff\n',
    );
    const ids = await recordedProcesses(resolvePaths(h.env));
    expect(await stillAlive(ids)).toHaveLength(2);
    expect((await cli('instance', 'delete', 'web1')).code).toBe(0);
    expect(await stillAlive(ids)).toEqual([]);
    expect(
      JSON.parse((await cli('instance', 'list', '--json')).stdout),
    ).toEqual([]);
  });
});
