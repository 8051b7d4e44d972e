// Boots the static C hello example: output, Args and Env arrive, exit 0.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/hello-c');

describe.skipIf(!kernel)('skiff run: static C hello', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let program: string;

  beforeAll(async () => {
    home = await tempHome();
    program = await compileC(join(example, 'hello.c'), join(home.dir, 'hello'));
    await copyFile(join(example, 'config.json'), join(home.dir, 'config.json'));
  });
  afterAll(() => home.cleanup());

  it('prints hello, its args and env, and exits 0', async () => {
    const started = Date.now();
    const r = await runCli(
      [
        'run',
        program,
        '-c',
        join(home.dir, 'config.json'),
        '--accel',
        'tcg',
        '--timeout',
        '60',
      ],
      { env: { ...home.env, SKIFF_NANOS_DIR: kernel } },
    );
    expect(r.stderr).not.toContain('error');
    expect(r.stdout).toContain('hello from skiff\n');
    expect(r.stdout).toContain('arg 1: one\n');
    expect(r.stdout).toContain('arg 2: two\n');
    expect(r.stdout).toContain('GREETING=ahoy\n');
    expect(r.code).toBe(0);
    console.log(`hello boot: ${Date.now() - started} ms`);
  });
});
