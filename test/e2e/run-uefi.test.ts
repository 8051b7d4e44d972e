// A UEFI image (ESP with bootx64.efi) booted through OVMF.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOvmf } from '../../src/qemu/firmware.js';
import { findKernelForTests, skipBootTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const ovmf = await findOvmf().catch(() => undefined);
if (!ovmf) skipBootTests('no OVMF', 'apt-get install ovmf');
const fixture = join(import.meta.dirname, '../fixtures/c/exit3.c');

describe.skipIf(!kernel || !ovmf)('skiff run --uefi', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let program: string;

  beforeAll(async () => {
    home = await tempHome();
    program = await compileC(fixture, join(home.dir, 'exit3-uefi'));
  });
  afterAll(() => home.cleanup());

  it('boots through OVMF and returns the exit code', async () => {
    const r = await runCli(
      ['run', program, '--uefi', '--accel', 'tcg', '--timeout', '90', '-v'],
      { env: { ...home.env, SKIFF_NANOS_DIR: kernel } },
    );
    expect(r.stderr).toContain('-bios');
    expect(r.stdout).toContain('about to exit 3');
    expect(r.code).toBe(3);
  });
});
