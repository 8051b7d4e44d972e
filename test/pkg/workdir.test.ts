// WORKDIR into a package: absolute as Docker makes it, cwd and PWD alike,
// and the folder relative program names resolve against.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';
import { packageMaker } from '../fixtures/oci/from-image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-workdir-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const elf = fakeStaticElf(62);

describe('WORKDIR', () => {
  it('is made absolute from "/", as Docker does', async () => {
    const { run } = await packageMaker(dir, [
      helloImage(elf, { Cmd: ['hello'], WorkingDir: 'rel/dir' }),
    ]);
    const r = await run();
    expect(r.manifest.ManifestPassthrough).toEqual({ cwd: '/rel/dir' });
    expect(r.manifest.Env).toEqual({ PWD: '/rel/dir' });
    expect(existsSync(join(r.pkg.dir, 'sysroot/rel/dir'))).toBe(true);
  });

  it('is where a relative program is found, even when relative', async () => {
    const { run } = await packageMaker(dir, [
      helloImage(elf, { Cmd: ['./hello'], WorkingDir: 'usr/local/bin' }),
    ]);
    const r = await run();
    expect(r.manifest.Program).toBe('/usr/local/bin/hello');
    expect(r.manifest.Args).toEqual(['/usr/local/bin/hello']);
  });
});
