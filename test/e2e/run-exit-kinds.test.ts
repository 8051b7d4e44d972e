// What README documents about exit codes besides the app's own: a crash
// by signal comes back as the signal's number (SIGSEGV 11, SIGBUS 7, as
// if the app had called exit(11)), and --timeout exits 124.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const fixture = join(import.meta.dirname, '../fixtures/c/crash.c');

describe.skipIf(!kernel)('skiff run: crashes and --timeout', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let program: string;

  beforeAll(async () => {
    home = await tempHome();
    program = await compileC(fixture, join(home.dir, 'crash'));
  });
  afterAll(() => home.cleanup());

  const run = (...args: string[]) =>
    runCli(['--json', 'run', program, '--accel', 'tcg', ...args], {
      env: { ...home.env, SKIFF_NANOS_DIR: kernel },
    });

  it.each([
    ['segv', 11],
    ['bus', 7],
  ])('a %s crash exits with the signal number', async (how, code) => {
    const r = await run('-a', how, '--timeout', '60');
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout)).toEqual({ exitCode: code, exitKind: 'app' });
  });

  it('--timeout stops the VM and exits 124', async () => {
    const r = await run('--timeout', '2');
    expect(r.code).toBe(124);
    expect(JSON.parse(r.stdout)).toEqual({
      exitCode: 124,
      exitKind: 'timeout',
    });
  });
});
