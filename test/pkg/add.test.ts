import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { writeLayer, type LayerEntry } from '../../src/oci/image-writer.js';
import { addPackage } from '../../src/pkg/add.js';
import { preparePackage } from '../../src/pkg/load.js';
import { PackageStore } from '../../src/pkg/store.js';

let dir: string;
let store: PackageStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-add-'));
  store = new PackageStore(
    {
      cacheDir: join(dir, 'c'),
      dataDir: join(dir, 'd'),
      stateDir: join(dir, 's'),
    },
    'amd64',
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function targz(entries: LayerEntry[]): Promise<string> {
  const w = await writeLayer(join(dir, 'archives'), entries);
  return join(dir, 'archives', w.digest.slice(7));
}

const OPS_MANIFEST = JSON.stringify({
  Program: 'hello_1.0/hello',
  Args: ['hello'],
  Version: '1.0',
});

describe('addPackage', () => {
  it("takes ops' published layout and moves the binary into the sysroot", async () => {
    const archive = await targz([
      { type: 'file', path: 'hello_1.0/package.manifest', data: OPS_MANIFEST },
      { type: 'file', path: 'hello_1.0/hello', data: 'ELF?', mode: 0o755 },
      { type: 'file', path: 'hello_1.0/sysroot/lib/libx.so', data: 'lib' },
      {
        type: 'symlink',
        path: 'hello_1.0/sysroot/lib/libx.so.1',
        target: 'libx.so',
      },
    ]);
    const p = await addPackage({
      source: archive,
      store,
      logger: new RecordingLogger(),
    });
    expect([p.name, p.version]).toEqual(['hello', '1.0']);
    const ready = await preparePackage(p);
    expect(ready.manifest.Program).toBe('/hello');
    expect(ready.manifest.Args).toEqual(['hello']);
    expect(readFileSync(join(ready.sysroot, 'hello'), 'utf8')).toBe('ELF?');
    expect(readdirSync(join(ready.sysroot, 'lib')).sort()).toEqual([
      'libx.so',
      'libx.so.1',
    ]);
  });

  it("takes ops' pkg add layout (manifest at the top) under --name", async () => {
    const archive = await targz([
      {
        type: 'file',
        path: 'package.manifest',
        data: OPS_MANIFEST.replace('hello_1.0/', 'x/'),
      },
      { type: 'file', path: 'hello', data: 'ELF!' },
    ]);
    const p = await addPackage({
      source: archive,
      name: 'mypkg',
      store,
      logger: new RecordingLogger(),
    });
    expect([p.name, p.version]).toEqual(['mypkg', '1.0']);
    expect((await preparePackage(p)).manifest.Program).toBe('/hello');
  });

  it('stores --name N:V with that version in the manifest', async () => {
    const archive = await targz([
      { type: 'file', path: 'hello_1.0/package.manifest', data: OPS_MANIFEST },
      { type: 'file', path: 'hello_1.0/hello', data: 'ELF?', mode: 0o755 },
    ]);
    const p = await addPackage({
      source: archive,
      name: 'greeter:2.5',
      store,
      logger: new RecordingLogger(),
    });
    expect([p.name, p.version]).toEqual(['greeter', '2.5']);
    expect((await preparePackage(p)).manifest.Version).toBe('2.5');
    const listed = await store.list();
    expect(listed.map((l) => [l.name, l.version])).toEqual([
      ['greeter', '2.5'],
    ]);
    expect((await store.find('greeter:2.5')).dir).toBe(p.dir);
  });

  it('adds a folder', async () => {
    const src = join(dir, 'tool_2');
    await mkdir(join(src, 'sysroot/usr/bin'), { recursive: true });
    await writeFile(join(src, 'package.manifest'), '{"Program":"/usr/bin/t"}');
    await writeFile(join(src, 'sysroot/usr/bin/t'), 'bin');
    const p = await addPackage({
      source: src,
      store,
      logger: new RecordingLogger(),
    });
    expect([p.name, p.version]).toEqual(['tool', '2']);
    expect(existsSync(join(p.dir, 'sysroot/usr/bin/t'))).toBe(true);
  });

  it('refuses an archive entry outside the package, leaving nothing', async () => {
    const archive = await targz([
      { type: 'file', path: 'p_1/package.manifest', data: '{"Program":"/x"}' },
      { type: 'raw-file', name: 'p_1/../../evil', data: 'x' },
    ]);
    await expect(
      addPackage({ source: archive, store, logger: new RecordingLogger() }),
    ).rejects.toMatchObject({ code: 'LAYER_PATH_ESCAPES' });
    expect(readdirSync(store.root)).toEqual([]);
    expect(existsSync(join(dir, 'evil'))).toBe(false);
  });

  it.each([
    [
      'junk.tar.gz',
      Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(600, 7)]),
    ],
    ['hello.c', Buffer.from('int main(void) { return 0; }\n')],
    ['garbage.tar', Buffer.alloc(2048, 'x')],
  ])('names the file when %s is no archive', async (name, data) => {
    const path = join(dir, name);
    await writeFile(path, data);
    await expect(
      addPackage({ source: path, store, logger: new RecordingLogger() }),
    ).rejects.toMatchObject({
      code: 'PACKAGE_ARCHIVE_INVALID',
      message: expect.stringContaining(path),
      hint: expect.stringContaining('tar czf'),
    });
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('names the archive whole, as an archive, in entry faults', async () => {
    const archive = join(dir, 'my-very-long-package-name_1.0.tar.gz');
    await rename(
      await targz([{ type: 'raw-file', name: 'p_1/../../evil', data: 'x' }]),
      archive,
    );
    const err = await addPackage({
      source: archive,
      store,
      logger: new RecordingLogger(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'LAYER_PATH_ESCAPES',
      message: `${archive}: entry "p_1/../../evil" points outside the package`,
      hint: expect.stringContaining('the archive is corrupt'),
    });
    expect(JSON.stringify(err)).not.toMatch(/layer|image/);
  });

  it.each([
    [
      'says what a package needs when there is no manifest',
      [{ type: 'file', path: 'x/y', data: '' }],
      'holds no package.manifest, at its top or in one top folder; ' +
        'its top holds folder x',
    ],
    [
      'names the packages of an archive holding two',
      [
        { type: 'file', path: 'a_1/package.manifest', data: '{}' },
        { type: 'file', path: 'b_2/package.manifest', data: '{}' },
      ],
      'holds 2 packages: a_1, b_2',
    ],
    [
      'names a stray entry beside the package folder',
      [
        { type: 'file', path: 'a_1/package.manifest', data: '{}' },
        { type: 'file', path: 'x', data: '' },
      ],
      'has a top-level file x beside the package folder a_1/',
    ],
    [
      'names stray entries, a link to the package among them',
      [
        { type: 'file', path: 'a_1/package.manifest', data: '{}' },
        { type: 'dir', path: 'docs' },
        { type: 'symlink', path: 'latest', target: 'a_1' },
      ],
      'has 2 top-level entries beside the package folder a_1/: ' +
        'folder docs, symbolic link latest',
    ],
  ] as [string, LayerEntry[], string][])('%s', async (_, entries, says) => {
    const archive = await targz(entries);
    await expect(
      addPackage({ source: archive, store, logger: new RecordingLogger() }),
    ).rejects.toMatchObject({
      code: 'PACKAGE_INVALID',
      message: `${archive} ${says}`,
    });
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('rejects a manifest with unknown keys, naming the key', async () => {
    const archive = await targz([
      { type: 'file', path: 'p_1/package.manifest', data: '{"Programm":"/x"}' },
    ]);
    await expect(
      addPackage({ source: archive, store, logger: new RecordingLogger() }),
    ).rejects.toThrow(/Programm/);
  });

  it('refuses an ops Program that climbs out of the package', async () => {
    const archive = await targz([
      {
        type: 'file',
        path: 'p_1/package.manifest',
        data: JSON.stringify({ Program: 'p_1/../../../tmp/x' }),
      },
    ]);
    await expect(
      addPackage({ source: archive, store, logger: new RecordingLogger() }),
    ).rejects.toMatchObject({ code: 'PACKAGE_PROGRAM_INVALID' });
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('follows an ops binary link inside the package, never to the host', async () => {
    const host = join(dir, 'host-secret');
    await writeFile(host, 'SECRET');
    for (const target of [host, '../../../../../../..' + host]) {
      const archive = await targz([
        {
          type: 'file',
          path: 'leak_1/package.manifest',
          data: JSON.stringify({ Program: 'leak_1/app', Version: '1' }),
        },
        { type: 'dir', path: 'leak_1/sysroot' },
        { type: 'symlink', path: 'leak_1/app', target },
      ]);
      await expect(
        addPackage({ source: archive, store, logger: new RecordingLogger() }),
      ).rejects.toMatchObject({
        code: 'PACKAGE_PROGRAM_MISSING',
        message: expect.stringContaining('not in the package'),
      });
    }
    expect(readdirSync(store.root)).toEqual([]);

    const inside = await targz([
      {
        type: 'file',
        path: 'ok_1/package.manifest',
        data: JSON.stringify({ Program: 'ok_1/app', Version: '1' }),
      },
      { type: 'file', path: 'ok_1/bin/real', data: 'ELF!', mode: 0o755 },
      { type: 'symlink', path: 'ok_1/app', target: '/bin/real' },
    ]);
    const p = await addPackage({
      source: inside,
      store,
      logger: new RecordingLogger(),
    });
    const ready = await preparePackage(p);
    expect(readFileSync(join(ready.sysroot, 'app'), 'utf8')).toBe('ELF!');
  });

  it('refuses a sysroot or manifest that is a link', async () => {
    const hostDir = join(dir, 'host-dir');
    await mkdir(hostDir);
    const archive = await targz([
      {
        type: 'file',
        path: 'ln_1/package.manifest',
        data: JSON.stringify({ Program: '/bin/x', Version: '1' }),
      },
      { type: 'symlink', path: 'ln_1/sysroot', target: hostDir },
    ]);
    await expect(
      addPackage({ source: archive, store, logger: new RecordingLogger() }),
    ).rejects.toMatchObject({
      code: 'PACKAGE_INVALID',
      message: expect.stringContaining(
        'sysroot in the package is a symbolic link',
      ),
    });
    expect(readdirSync(store.root)).toEqual([]);
  });
});
