// A package in ops' published layout (binary at the package root,
// Program "<name>_<ver>/<binary>") is added from a .tar.gz and booted
// with the user's Args appended to the package's.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLayer } from '../../src/oci/image-writer.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileHello } from '../fixtures/oci/images.js';

const kernel = findKernelForTests();

describe.skipIf(!kernel)('pkg add + pkg load: an ops-layout package', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let archive: string | undefined;

  beforeAll(async () => {
    home = await tempHome();
    const elf = await compileHello(home.dir, 'gcc', ['-static']);
    if (!elf) return;
    const w = await writeLayer(join(home.dir, 'out'), [
      {
        type: 'file',
        path: 'hello_1.0/package.manifest',
        data: JSON.stringify({
          Program: 'hello_1.0/hello',
          Args: ['hello', 'pkg-arg'],
          Version: '1.0',
        }),
      },
      { type: 'file', path: 'hello_1.0/hello', data: elf, mode: 0o755 },
      { type: 'dir', path: 'hello_1.0/sysroot' },
    ]);
    archive = join(home.dir, 'out', w.digest.slice(7));
    await writeFile(
      join(home.dir, 'config.json'),
      JSON.stringify({ Args: ['user-1', 'user-2'] }),
    );
  });
  afterAll(() => home.cleanup());

  it('boots /hello with package then user Args', async (t) => {
    if (!archive) return t.skip();
    const env = home.env;
    const added = await runCli(['pkg', 'add', archive], { env });
    expect(added.code).toBe(0);
    const run = await runCli(
      [
        'pkg',
        'load',
        'hello',
        '-c',
        join(home.dir, 'config.json'),
        '--nanos-dir',
        kernel!,
        '--accel',
        'tcg',
        '--timeout',
        '60',
      ],
      { env },
    );
    // argv: hello pkg-arg user-1 user-2
    expect(run.stdout).toContain('hello 4\n');
    expect(run.code).toBe(0);
    const manifest = JSON.parse(
      readFileSync(
        join(home.dir, 'data/packages/amd64/hello_1.0/package.manifest'),
        'utf8',
      ),
    );
    expect(manifest.Program).toBe('/hello');
  });
});
