// What a package's program sees in argv, booted: argv[0] as the image
// wrote it (a link's name, not the file it points to), then CMD's default
// arguments, or the user's Args in their place.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests } from '../helpers/kernel.js';
import { helloImage } from '../fixtures/oci/images.js';

const ARGV_C = `
#include <stdio.h>
int main(int argc, char **argv) {
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\\n", i, argv[i]);
  return 3;
}
`;

const kernel = findKernelForTests();

describe.skipIf(!kernel)('pkg load: argv of an image command', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  const boot = (extra: string[]) =>
    runCli(
      [
        'pkg',
        'load',
        'tool',
        ...extra,
        '--nanos-dir',
        kernel!,
        '--accel',
        'tcg',
        '--timeout',
        '120',
      ],
      { env },
    );

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
    const src = join(home.dir, 'argv.c');
    writeFileSync(src, ARGV_C);
    const bin = join(home.dir, 'argv');
    execFileSync('gcc', ['-O2', '-static', '-o', bin, src]);
    const image = helloImage(
      readFileSync(bin),
      { Entrypoint: ['tool'], Cmd: ['--default'] },
      [
        {
          type: 'symlink',
          path: 'usr/bin/tool',
          target: '/usr/local/bin/hello',
        },
      ],
    );
    await writeOciLayout(join(home.dir, 'layout'), '1', [image]);
    const made = await runCli(
      ['pkg', 'from-docker', `oci:${join(home.dir, 'layout')}:1`, '-n', 'tool'],
      { env },
    );
    expect(made.code).toBe(0);
  });
  afterAll(() => home.cleanup());

  it('passes argv[0] as written and CMD as the default', async () => {
    const run = await boot([]);
    expect(run.stdout).toContain('argv[0]=tool\nargv[1]=--default\n');
    expect(run.stdout).not.toContain('argv[2]');
    expect(run.code).toBe(3);
  });

  it('writes the image where docs/packages.md says, kept on request', async () => {
    const docs = readFileSync(
      join(import.meta.dirname, '../../docs/packages.md'),
      'utf8',
    ).replace(/\s+/g, ' ');
    expect(docs).toContain(
      '`<state>/run/<pid>-<random>/pkg-<name>_<version>.img`',
    );
    expect(docs).toContain('`<state>/run/kept-<pid>-<random>/`');
    const run = await boot(['--keep-image']);
    expect(run.code).toBe(3);
    const path = /image: (\S+) \(kept\)/.exec(run.stderr)?.[1];
    expect(path).toMatch(/\/state\/run\/kept-\d+-\w+\/pkg-tool_1\.img$/);
    await rm(dirname(path!), { recursive: true });
    expect((await boot([])).code).toBe(3);
    expect(readdirSync(join(home.dir, 'state', 'run'))).toEqual([]);
  });

  it("puts the user's arguments in CMD's place", async () => {
    const run = await boot(['-a', '--mine']);
    expect(run.stdout).toContain('argv[0]=tool\nargv[1]=--mine\n');
    expect(run.stdout).not.toContain('--default');
    expect(run.code).toBe(3);
  });
});
