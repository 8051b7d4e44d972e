// Errors of pkg from-docker and pkg add name paths in the image or in
// the source the user gave, never the store's temp folder.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { writeLayer } from '../../src/oci/image-writer.js';
import { addPackage } from '../../src/pkg/add.js';
import { PackageStore } from '../../src/pkg/store.js';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';
import { packageMaker, storeEntries } from '../fixtures/oci/from-image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-temp-paths-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(run: () => Promise<unknown>) {
  const err = (await run().catch((e: unknown) => e)) as {
    code: string;
    message: string;
    hint?: string;
  };
  expect(err).toBeInstanceOf(Error);
  expect(`${err.message}\n${err.hint}`).not.toContain('.tmp-');
  return err;
}

describe('pkg from-docker errors', () => {
  it('say the image platform and its program disagree', async () => {
    const amd64Program = fakeStaticElf(62);
    const img = helloImage(amd64Program, { Cmd: ['hello'] }, [], 'arm64');
    const { run, store } = await packageMaker(dir, [img], { arch: 'arm64' });
    const err = await failure(run);
    expect(err).toMatchObject({
      code: 'ELF_WRONG_ARCH',
      message:
        "/usr/local/bin/hello is an x86_64 program, but the image's " +
        'platform is linux/arm64: the image and its program disagree',
      hint: expect.stringContaining('mislabelled'),
    });
    expect(err.hint).not.toContain('kernel');
    expect(storeEntries(store)).toEqual([]);
  });

  it('name a symlink loop by its image path', async () => {
    const img = helloImage(fakeStaticElf(62), { Cmd: ['a'] }, [
      { type: 'symlink', path: 'usr/local/bin/a', target: 'b' },
      { type: 'symlink', path: 'usr/local/bin/b', target: 'a' },
    ]);
    const { run } = await packageMaker(dir, [img]);
    const err = await failure(run);
    expect(err).toMatchObject({
      code: 'SYMLINK_LOOP',
      message: 'too many symlinks resolving /usr/local/bin/a in the image',
    });
  });
});

describe('pkg add errors', () => {
  it("name the archive and the manifest's path inside it", async () => {
    const w = await writeLayer(join(dir, 'archives'), [
      { type: 'file', path: 'bad_1/package.manifest', data: '{"Bogus":1}' },
    ]);
    const archive = join(dir, 'archives', w.digest.slice(7));
    const store = new PackageStore(
      {
        cacheDir: join(dir, 'add-c'),
        dataDir: join(dir, 'add-d'),
        stateDir: join(dir, 'add-s'),
      },
      'amd64',
    );
    const add = () =>
      addPackage({ source: archive, store, logger: new RecordingLogger() });
    const err = await failure(add);
    expect(err.message).toMatch(
      new RegExp(`^${archive}: bad_1/package\\.manifest: Bogus: unknown key`),
    );
  });

  it('name the package folder given, and skip its fifos', async () => {
    const src = join(dir, 'src', 'p_1');
    await mkdir(join(src, 'sysroot'), { recursive: true });
    execFileSync('mkfifo', [join(src, 'sysroot', 'fifo')]);
    await writeFile(join(src, 'package.manifest'), '{"Bogus":1}');
    const store = new PackageStore(
      {
        cacheDir: join(dir, 'dir-c'),
        dataDir: join(dir, 'dir-d'),
        stateDir: join(dir, 'dir-s'),
      },
      'amd64',
    );
    const add = () =>
      addPackage({ source: src, store, logger: new RecordingLogger() });
    const err = await failure(add);
    expect(err.message).toMatch(
      new RegExp(`^${src}/package\\.manifest: Bogus: unknown key`),
    );
    await writeFile(
      join(src, 'package.manifest'),
      '{"Program":"/x","Version":"1"}',
    );
    const added = await add();
    expect(readdirSync(join(added.dir, 'sysroot'))).toEqual([]);
  });
});
