// The image's empty folders go into the package with their modes: /tmp
// (1777) and PHP's sessions folder are written to at run time, and no
// ELF closure finds them.
import { lstatSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';
import { packageMaker } from '../fixtures/oci/from-image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-empty-folders-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const mode = (path: string) => lstatSync(path).mode & 0o7777;

describe('pkg from-docker', () => {
  it('keeps the empty folders of the image, with their modes', async () => {
    const img = helloImage(fakeStaticElf(62), { Cmd: ['hello'] }, [
      { type: 'dir', path: 'tmp', mode: 0o1777 },
      { type: 'dir', path: 'var/lib/php/sessions', mode: 0o1733 },
      { type: 'symlink', path: 'var/run', target: '/run' },
      { type: 'dir', path: 'run', mode: 0o755 },
      { type: 'file', path: 'srv/data/big.bin', data: 'not needed' },
    ]);
    const { run } = await packageMaker(dir, [img]);
    const sysroot = join((await run()).pkg.dir, 'sysroot');

    expect(mode(join(sysroot, 'tmp'))).toBe(0o1777);
    expect(mode(join(sysroot, 'var/lib/php/sessions'))).toBe(0o1733);
    expect(lstatSync(join(sysroot, 'run')).isDirectory()).toBe(true);
    expect(readdirSync(sysroot).sort()).toEqual(['run', 'tmp', 'usr', 'var']);
    expect(readdirSync(join(sysroot, 'var'))).toEqual(['lib']);
  });
});
