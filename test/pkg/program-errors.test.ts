// What pkg from-docker says when the image's program cannot be used: what
// is there instead, and an -f hint that fits the image.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FromDockerOptions } from '../../src/pkg/from-docker.js';
import type { LayerEntry } from '../../src/oci/image-writer.js';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';
import { packageMaker } from '../fixtures/oci/from-image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-program-errors-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const elf = fakeStaticElf(62);

async function failure(
  config: Parameters<typeof helloImage>[1],
  extra: LayerEntry[] = [],
  options: Partial<FromDockerOptions> = {},
) {
  const { run } = await packageMaker(
    dir,
    [helloImage(elf, config, extra)],
    options,
  );
  return run().then(
    () => expect.unreachable('the package was made'),
    (e: unknown) => e as { code: string; message: string; hint: string },
  );
}

describe('the program', () => {
  it('of mode 644 is said to be not executable', async () => {
    const err = await failure({ Cmd: ['tool'] }, [
      { type: 'file', path: 'usr/bin/tool', data: elf, mode: 0o644 },
    ]);
    expect(err).toMatchObject({
      code: 'PROGRAM_NOT_EXECUTABLE',
      message: 'executable "tool": /usr/bin/tool is not executable (mode 644)',
      hint: expect.stringContaining('chmod +x /usr/bin/tool'),
    });
  });

  it('behind a dangling link says where the link points', async () => {
    const err = await failure({ Cmd: ['dang'] }, [
      { type: 'symlink', path: 'usr/bin/dang', target: '/nowhere' },
    ]);
    expect(err).toMatchObject({
      code: 'PROGRAM_NOT_FOUND',
      message:
        'executable "dang": /usr/bin/dang is a link to /nowhere, which is ' +
        'not in the image',
    });
  });

  it('given as a folder with -f says it is one', async () => {
    const err = await failure({ Cmd: ['hello'] }, [], {
      executable: '/usr/local/bin',
    });
    expect(err).toMatchObject({
      code: 'PROGRAM_NOT_EXECUTABLE',
      message: 'executable "/usr/local/bin": /usr/local/bin is a folder',
    });
  });

  it('missing with -f is not told to use -f', async () => {
    const err = await failure({ Cmd: ['hello'] }, [], { executable: 'nope' });
    expect(err.code).toBe('PROGRAM_NOT_FOUND');
    expect(err.hint).toContain('-f takes a name on the image PATH');
    expect(err.hint).not.toContain('pass the program with -f');
  });
});

describe('-f hints', () => {
  it("name the shell command's own program, not php", async () => {
    const err = await failure({ Cmd: ['/bin/sh', '-c', 'exec hello a'] });
    expect(err.code).toBe('PROGRAM_SHELL_FORM');
    expect(err.hint).toBe(
      'name the executable with -f, e.g. -f hello, and its arguments with -a',
    );
  });

  it("name a script's interpreter", async () => {
    const err = await failure({ Entrypoint: ['/usr/local/bin/run.py'] }, [
      {
        type: 'file',
        path: 'usr/local/bin/run.py',
        data: '#!/usr/bin/env python3\nprint(1)\n',
        mode: 0o755,
      },
    ]);
    expect(err).toMatchObject({
      code: 'PROGRAM_NOT_ELF',
      hint: 'run the script with its interpreter: -f python3 -a /usr/local/bin/run.py',
    });
  });

  it('say no php for an image without a command', async () => {
    const err = await failure({});
    expect(err.code).toBe('PROGRAM_MISSING');
    expect(err.hint).not.toContain('php');
  });
});
