// The QEMU adapter end to end on a real Nanos kernel: a program that
// exits (its code recorded by the supervisor), and a server reached on its
// forwarded port, stopped gracefully, started again and deleted.
import { createServer, type AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../../helpers/kernel.js';
import {
  compile,
  hasGcc,
  HELLO_C,
  liveProcesses,
  recordedProcesses,
  stillAlive,
  makeImage,
  removeHome,
  runConfig,
  SERVER_C,
  testHome,
  waitFor,
  type TestHome,
} from './fixture.js';

const kernel = findKernelForTests();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe.skipIf(!kernel || !hasGcc())('qemu provider lifecycle', () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await testHome();
    const hello = await compile(home.dir, 'hello', HELLO_C);
    const server = await compile(home.dir, 'server', SERVER_C);
    await home.provider.createImage({
      name: 'hello',
      image: await makeImage(kernel!, home.dir, hello, { args: ['one', '3'] }),
      config: runConfig(),
    });
    await home.provider.createImage({
      name: 'web',
      image: await makeImage(kernel!, home.dir, server),
      config: runConfig(),
    });
  });
  afterAll(() => removeHome(home));

  it('lists stored images', async () => {
    const images = await home.provider.listImages();
    expect(images.map((i) => i.name)).toEqual(['hello', 'web']);
    expect(images[0]).toMatchObject({ target: 'qemu', status: 'ready' });
  });

  it('records the exit code of a program that ends', async () => {
    const { provider } = home;
    await provider.createInstance({
      name: 'h1',
      imageName: 'hello',
      config: runConfig(),
      ports: [],
    });
    const info = await waitFor(
      async () => {
        const i = await provider.getInstance('h1');
        return i.state === 'stopped' && i.exitCode !== undefined && i;
      },
      30_000,
      'h1 to exit',
    );
    expect(info.exitCode).toBe(3);
    expect(info.pid).toBeUndefined();
    const logs = await provider.readLogs('h1', 0);
    expect(logs.text).toContain('hello from app one');
    const more = await provider.readLogs('h1', logs.nextOffset);
    expect(more).toMatchObject({ text: '', nextOffset: logs.nextOffset });
  });

  it('serves on a forwarded port, stops gracefully, starts, deletes', async () => {
    const { provider, paths } = home;
    const port = await freePort();
    const ports = [
      { protocol: 'tcp' as const, hostPort: port, guestPort: 8080 },
    ];
    const created = await provider.createInstance({
      name: 'web1',
      imageName: 'web',
      config: runConfig(),
      ports,
    });
    expect(created).toMatchObject({ state: 'running', image: 'web', ports });
    expect(created.pid).toBeGreaterThan(0);
    expect(created.details?.vmStatus).toBe('running');

    const body = await waitFor(
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, {
            signal: AbortSignal.timeout(2000),
          });
          return await res.text();
        } catch {
          return undefined;
        }
      },
      60_000,
      'the server to answer',
    );
    expect(body).toBe('hello from skiff\n');

    // A second instance on the same host port is refused by name.
    const clash = await provider
      .createInstance({
        name: 'web2',
        imageName: 'web',
        config: runConfig(),
        ports,
      })
      .catch((e: unknown) => e);
    expect(clash).toMatchObject({ code: 'PORT_IN_USE' });
    expect((clash as Error).message).toContain('web1');
    expect((await provider.listInstances()).map((i) => i.name)).not.toContain(
      'web2',
    );

    const started = Date.now();
    await provider.stopInstance('web1');
    const stopped = await provider.getInstance('web1');
    expect(stopped.state).toBe('stopped');
    // The power button reached the app: Nanos ends it as if by SIGTERM.
    expect(stopped.details?.exitKind).toBe('app');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await liveProcesses(paths)).toEqual([]);
    const log = await provider.readLogs('web1', 0);
    expect(log.text).toContain('listening on 0.0.0.0:8080');

    await provider.startInstance('web1');
    expect((await provider.getInstance('web1')).state).toBe('running');
    const ids = await recordedProcesses(paths);
    expect(await stillAlive(ids)).toHaveLength(2);
    await provider.deleteInstance('web1');
    expect(await stillAlive(ids)).toEqual([]);
    expect(
      (await readdir(join(paths.stateDir, 'instances'))).filter(
        (n) => n === 'web1' || n.startsWith('.'),
      ),
    ).toEqual([]);
  });

  it('names the instances that exist for an unknown one', async () => {
    const err = await home.provider
      .getInstance('nope')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INSTANCE_NOT_FOUND' });
    expect((err as Error).message).toContain('h1');
  });
});
