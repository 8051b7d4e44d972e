import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageDirName, splitPackageDir } from '../../src/pkg/names.js';
import { PackageStore } from '../../src/pkg/store.js';
import { deadPid, tempNameOf } from '../fixtures/oci/dead-pid.js';

let dir: string;
let store: PackageStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-store-'));
  store = new PackageStore(
    {
      cacheDir: join(dir, 'c'),
      dataDir: join(dir, 'd'),
      stateDir: join(dir, 's'),
    },
    'x86_64',
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function make(name: string, version: string, program = '/bin/x') {
  const tmp = (await store.createTemp()).path;
  await writeFile(
    join(tmp, 'package.manifest'),
    JSON.stringify({ Program: program, Version: version }),
  );
  return store.install(tmp, { name, version });
}

describe('package names', () => {
  it('allows _, . and / and splits by the manifest version', () => {
    expect(packageDirName({ name: 'my_php', version: '8.2_1' })).toBe(
      'my_php_8.2_1',
    );
    expect(splitPackageDir('my_php_8.2_1', '8.2_1')).toEqual({
      name: 'my_php',
      version: '8.2_1',
    });
    expect(splitPackageDir('gcr.io/distroless/python3_debug')).toEqual({
      name: 'gcr.io/distroless/python3',
      version: 'debug',
    });
  });

  it.each([
    ['../x', '1'],
    ['a/../b', '1'],
    ['/abs', '1'],
    ['ok', 'a/../b'],
    ['', '1'],
  ])('rejects name %j version %j', (name, version) => {
    expect(() => packageDirName({ name, version })).toThrow(
      expect.objectContaining({ code: 'PACKAGE_NAME_INVALID' }),
    );
  });
});

describe('PackageStore', () => {
  it('lists nested names under the arch folder', async () => {
    await make('php82', '8.2');
    await make('gcr.io/distroless/py_3', '3.11_debug');
    await make('tools', 'v1/nightly');
    const listed = await store.list();
    expect(listed.map((p) => [p.name, p.version])).toEqual([
      ['gcr.io/distroless/py_3', '3.11_debug'],
      ['php82', '8.2'],
      ['tools', 'v1/nightly'],
    ]);
    expect((await store.find('tools:v1/nightly')).dirName).toBe(
      'tools_v1/nightly',
    );
    expect(store.root).toBe(join(dir, 'd/packages/amd64'));
  });

  it('lists by name, then version, whatever the folder names', async () => {
    await make('php82', '8.2');
    await make('php', '8.10');
    await make('php', '8.9');
    const listed = await store.list();
    expect(listed.map((p) => `${p.name}:${p.version}`)).toEqual([
      'php:8.9',
      'php:8.10',
      'php82:8.2',
    ]);
  });

  it('leaves no empty folders when a nested name is deleted', async () => {
    await make('gcr.io/distroless/py', '1');
    await make('gcr.io/other', '2');
    await store.remove(await store.find('gcr.io/distroless/py'));
    expect(readdirSync(store.root)).toEqual(['gcr.io']);
    expect(readdirSync(join(store.root, 'gcr.io'))).toEqual(['other_2']);
    await store.remove(await store.find('gcr.io/other'));
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('finds by name, name:version and folder name', async () => {
    await make('php82', '8.2');
    expect((await store.find('php82')).version).toBe('8.2');
    expect((await store.find('php82:8.2')).name).toBe('php82');
    expect((await store.find('php82_8.2')).name).toBe('php82');
  });

  it('asks which version when there are several', async () => {
    await make('php', '8.1');
    await make('php', '8.2');
    await expect(store.find('php')).rejects.toMatchObject({
      code: 'PACKAGE_AMBIGUOUS',
      message: expect.stringContaining('8.1, 8.2'),
    });
  });

  it('names the store and the fix for a missing package', async () => {
    await expect(store.find('nope')).rejects.toMatchObject({
      code: 'PACKAGE_NOT_FOUND',
      hint: expect.stringContaining('pkg list'),
    });
  });

  it('replaces a package in place and removes one whole', async () => {
    await make('php82', '8.2', '/old');
    await make('php82', '8.2', '/new');
    const [only] = await store.list();
    expect(only?.manifest?.Program).toBe('/new');
    await store.remove(only!);
    expect(await store.list()).toEqual([]);
    expect(readdirSync(store.root)).toEqual([]);
  });

  it('never stores two names in one folder, or one inside another', async () => {
    await make('foo_bar', '1', '/first');
    await expect(make('foo', 'bar_1')).rejects.toMatchObject({
      code: 'PACKAGE_FOLDER_TAKEN',
      message: expect.stringContaining('the folder of package foo_bar:1'),
    });
    await make('nest/x', '1');
    await expect(make('nest/x_1/y', '2')).rejects.toMatchObject({
      code: 'PACKAGE_FOLDER_TAKEN',
      message: expect.stringContaining('inside package nest/x:1'),
    });
    await make('deep/a_1/b', '2');
    await expect(make('deep/a', '1')).rejects.toMatchObject({
      code: 'PACKAGE_FOLDER_TAKEN',
      message: expect.stringContaining('over package deep/a_1/b:2'),
    });
    const kept = (await store.list()).map((p) => `${p.name}:${p.version}`);
    expect(kept.sort()).toEqual(['deep/a_1/b:2', 'foo_bar:1', 'nest/x:1']);
    const first = (await store.list()).find((p) => p.name === 'foo_bar');
    expect(first?.manifest?.Program).toBe('/first');
  });

  it('removes the temp folders of killed runs at once', async () => {
    const killed = tempNameOf('work', deadPid());
    const running = tempNameOf('work', process.pid);
    for (const n of [killed, running]) {
      await mkdir(join(store.root, n, 'pkg'), { recursive: true });
    }
    await store.createTemp();
    expect(existsSync(join(store.root, killed))).toBe(false);
    expect(existsSync(join(store.root, running))).toBe(true);
  });

  it('ignores temp folders and lists a broken manifest with its problem', async () => {
    await mkdir(join(store.root, '.tmp-abc'), { recursive: true });
    await writeFile(join(store.root, '.tmp-abc', 'package.manifest'), '{}');
    await mkdir(join(store.root, 'bad_1'));
    await writeFile(
      join(store.root, 'bad_1', 'package.manifest'),
      '{"Nope":1}',
    );
    const listed = await store.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.problem).toMatch(/Nope/);
    expect(existsSync(join(store.root, '.tmp-abc'))).toBe(true);
  });
});
