// `skiff run ./loop | head -1` with the real bin/skiff.js (it runs dist/:
// `npm run build` first): when the reader goes away the VM is stopped, the
// run folder removed, and skiff exits 141 without an EPIPE stack.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const root = join(import.meta.dirname, '../..');

const LOOP_C = `
#include <stdio.h>
#include <unistd.h>
int main(void) {
  for (;;) { printf("tick\\n"); fflush(stdout); usleep(100000); }
}
`;

async function qemusUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(
      () => '',
    );
    if (cmd.includes('qemu-system') && cmd.includes(dir)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

describe.skipIf(!kernel)('skiff run | head', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let loop: string;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first');
    }
    home = await tempHome();
    const src = join(home.dir, 'loop.c');
    await writeFile(src, LOOP_C);
    loop = await compileC(src, join(home.dir, 'loop'));
  });
  afterAll(async () => {
    for (const pid of await qemusUnder(home.dir)) process.kill(pid, 'SIGKILL');
    await home.cleanup();
  });

  it('stops the VM, cleans up and exits 141', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin/skiff.js'), 'run', loop, '--accel', 'tcg'],
      {
        env: { ...process.env, ...home.env, SKIFF_NANOS_DIR: kernel! },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((r) => child.on('close', r));
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('tick')) child.stdout!.destroy();
    });

    expect(await code).toBe(141);
    expect(stderr).not.toContain('EPIPE');
    expect(await qemusUnder(home.dir)).toEqual([]);
    expect(await readdir(join(home.dir, 'state/run'))).toEqual([]);
  });
});
