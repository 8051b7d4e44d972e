// Clear errors, each leaving no state behind: unknown image (the names
// that exist are listed), a taken host port, QEMU missing, a duplicate
// instance name, deleting an image a running instance uses.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../../helpers/kernel.js';
import {
  compile,
  hasGcc,
  makeImage,
  removeHome,
  runConfig,
  SERVER_C,
  testHome,
  type TestHome,
} from './fixture.js';

const kernel = findKernelForTests();

async function instanceDirs(home: TestHome): Promise<string[]> {
  try {
    return await readdir(join(home.paths.stateDir, 'instances'));
  } catch {
    return [];
  }
}

describe.skipIf(!kernel || !hasGcc())('qemu provider errors', () => {
  let home: TestHome;
  let listener: Server;
  let takenPort: number;

  beforeAll(async () => {
    home = await testHome();
    const server = await compile(home.dir, 'server', SERVER_C);
    await home.provider.createImage({
      name: 'web',
      image: await makeImage(kernel!, home.dir, server),
      config: runConfig(),
    });
    listener = createServer();
    await new Promise<void>((r) => listener.listen(0, '0.0.0.0', r));
    takenPort = (listener.address() as AddressInfo).port;
  });
  afterAll(async () => {
    listener.close();
    await removeHome(home);
  });

  const create = (name: string, image: string, hostPort?: number) =>
    home.provider
      .createInstance({
        name,
        imageName: image,
        config: runConfig(),
        ports: hostPort ? [{ protocol: 'tcp', hostPort, guestPort: 8080 }] : [],
      })
      .catch((e: unknown) => e);

  it('unknown image: lists the images that exist', async () => {
    const err = await create('x', 'nope');
    expect(err).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect((err as Error).message).toContain('"nope"');
    expect((err as Error).message).toContain('images: web');
    expect(await instanceDirs(home)).toEqual([]);
  });

  it('a host port another program listens on', async () => {
    const err = await create('x', 'web', takenPort);
    expect(err).toMatchObject({ code: 'PORT_IN_USE' });
    expect((err as Error).message).toContain(String(takenPort));
    expect(await instanceDirs(home)).toEqual([]);
  });

  it('QEMU missing: says how to install it, creates nothing', async () => {
    const bare = await testHome({}, { PATH: '/nonexistent' });
    try {
      await bare.provider.createImage({
        name: 'web',
        image: await makeImage(kernel!, bare.dir, join(home.dir, 'server')),
        config: runConfig(),
      });
      const err = await bare.provider
        .createInstance({
          name: 'x',
          imageName: 'web',
          config: runConfig(),
          ports: [],
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'QEMU_NOT_FOUND' });
      expect((err as { hint: string }).hint).toContain('apt-get install');
      expect(await instanceDirs(bare)).toEqual([]);
    } finally {
      await removeHome(bare);
    }
  });

  it('QEMU failing at start: its words and a hint, no dead log', async () => {
    const bin = join(home.dir, 'fake-bin');
    await mkdir(bin);
    const qemu = join(bin, 'qemu-system-x86_64');
    await writeFile(
      qemu,
      '#!/bin/sh\necho "qemu-system-x86_64: cannot set up guest memory ' +
        "'pc.ram': Cannot allocate memory\" >&2\nexit 1\n",
    );
    await chmod(qemu, 0o755);
    const fake = await testHome({}, { PATH: `${bin}:${process.env.PATH}` });
    try {
      await fake.provider.createImage({
        name: 'web',
        image: await makeImage(kernel!, fake.dir, join(home.dir, 'server')),
        config: runConfig(),
      });
      const err = (await fake.provider
        .createInstance({
          name: 'mm',
          imageName: 'web',
          config: runConfig(),
          ports: [],
        })
        .catch((e: unknown) => e)) as { code: string; hint: string };
      expect(err).toMatchObject({ code: 'QEMU_FAILED' });
      expect((err as unknown as Error).message).toContain(
        'cannot set up guest memory',
      );
      expect(err.hint).toMatch(
        /^lower -m or RunConfig\.Memory: 256\.0 MiB asked for, this host has /,
      );
      expect(err.hint).not.toContain('qemu.log');
      expect(await instanceDirs(fake)).toEqual([]);
    } finally {
      await removeHome(fake);
    }
  });

  it('duplicate name, then image delete refused while in use', async () => {
    expect(await create('dup', 'web')).toMatchObject({ state: 'running' });
    const err = await create('dup', 'web');
    expect(err).toMatchObject({ code: 'INSTANCE_EXISTS' });

    const refused = await home.provider
      .deleteImage('web')
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'IMAGE_IN_USE' });
    expect((refused as Error).message).toContain('dup');
    expect((refused as { hint: string }).hint).toContain('--force');
    expect((await home.provider.listImages()).map((i) => i.name)).toEqual([
      'web',
    ]);

    await home.provider.deleteImage('web', { force: true });
    expect(await home.provider.listImages()).toEqual([]);
    // The instance runs on its own copy of the disk.
    expect((await home.provider.getInstance('dup')).state).toBe('running');
    await home.provider.deleteInstance('dup');
    expect(await instanceDirs(home)).toEqual([]);
  });

  it('unknown image on delete lists nothing left', async () => {
    const err = await home.provider.deleteImage('web').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect((err as Error).message).toContain('images: none');
  });
});
