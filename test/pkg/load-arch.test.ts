// Skiff builds and boots x86_64 images only: an arm64 package, or an
// aarch64 program, is refused with that said, not with a kernel to pick.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;

beforeAll(async () => {
  home = await tempHome();
  env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
  const arm = helloImage(fakeStaticElf(183), { Cmd: ['hello'] }, [], 'arm64');
  await writeOciLayout(join(home.dir, 'layout'), 'v1', [arm]);
});
afterAll(() => home.cleanup());

const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });

describe('an arm64 package', () => {
  it('is refused by pkg load and image create, saying why', async () => {
    const made = await cli(
      'pkg',
      'from-docker',
      'oci:layout:v1',
      '-n',
      'armapp',
      '--arch',
      'arm64',
    );
    expect(made.code).toBe(0);
    for (const argv of [
      ['pkg', 'load', 'armapp', '--arch', 'arm64'],
      ['image', 'create', '--package', 'armapp', '--arch', 'arm64'],
    ]) {
      const r = await cli(...argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'error: package armapp:v1 is for arm64, and Skiff builds and boots ' +
          'x86_64 (amd64) images only',
      );
      expect(r.stderr).toContain('--arch amd64');
      expect(r.stderr).not.toContain('kernel');
    }
  });
});

describe('skiff run with an aarch64 program', () => {
  it('says Skiff boots x86_64 only and what to build', async () => {
    await writeFile(join(home.dir, 'arm-app'), fakeStaticElf(183), {
      mode: 0o755,
    });
    const r = await cli('run', './arm-app', '--json');
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout) as {
      error: { code: string; message: string; hint: string };
    };
    expect(error).toEqual({
      code: 'ELF_WRONG_ARCH',
      message: expect.stringMatching(
        /arm-app is an aarch64 program, and Skiff builds and boots x86_64 images only$/,
      ),
      hint: 'build the program for x86_64 (gcc on an x86_64 machine, or x86_64-linux-gnu-gcc)',
    });
  });
});
