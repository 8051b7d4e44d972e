// Debian's dynamically linked /usr/bin/php with Args, Env and a Dirs tree:
// the glibc closure, the script and its data file all reach the image.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { findKernelForTests, skipBootTests } from '../helpers/kernel.js';
import { runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const hasPhp = existsSync('/usr/bin/php');
// Like the kernel: .ci/run installs php-cli.
if (!hasPhp) skipBootTests('no /usr/bin/php (apt-get install php-cli)');
const example = join(import.meta.dirname, '../../examples/php-console');

describe.skipIf(!kernel || !hasPhp)('skiff run: php-cli console app', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
  });
  afterAll(() => home.cleanup());

  it('reads a file from the Dirs tree and prints an env var', async () => {
    const r = await runCli(
      [
        'run',
        '-c',
        join(example, 'config.json'),
        '--accel',
        'tcg',
        '--timeout',
        '90',
        '-e',
        'EXTRA=1',
      ],
      { env: { ...home.env, SKIFF_NANOS_DIR: kernel } },
    );
    expect(r.stdout).toContain('motd: the tree made it into the image\n');
    expect(r.stdout).toContain('APP_MODE=unikernel\n');
    expect(r.stdout).toMatch(/php \d+\.\d+\n/);
    expect(r.stdout).not.toMatch(/Warning|Fatal|Notice/);
    expect(r.code).toBe(0);
  });
});
