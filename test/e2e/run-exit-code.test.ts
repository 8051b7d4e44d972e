// The guest's exit(3) comes back as skiff's own exit code.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const fixture = join(import.meta.dirname, '../fixtures/c/exit3.c');

describe.skipIf(!kernel)('skiff run: exit code', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let program: string;

  beforeAll(async () => {
    home = await tempHome();
    program = await compileC(fixture, join(home.dir, 'exit3'));
  });
  afterAll(() => home.cleanup());

  it('exits 3 when the program exits 3', async () => {
    const r = await runCli(
      ['run', program, '--accel', 'tcg', '--timeout', '60'],
      { env: { ...home.env, SKIFF_NANOS_DIR: kernel } },
    );
    expect(r.stdout).toContain('about to exit 3');
    expect(r.code).toBe(3);
  });

  it('prints one JSON document with --json, the console on stderr', async () => {
    const r = await runCli(
      ['--json', 'run', program, '--accel', 'tcg', '--timeout', '60'],
      { env: { ...home.env, SKIFF_NANOS_DIR: kernel } },
    );
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ exitCode: 3, exitKind: 'app' });
    expect(r.stderr).toContain('about to exit 3');
  });
});
