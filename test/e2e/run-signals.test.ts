// Signals to the real `bin/skiff.js` (it runs dist/: `npm run build`
// first): SIGHUP and SIGTERM stop the VM and exit 129 and 143; kill -9
// leaves no QEMU behind; a second signal during a build still leaves no
// temp file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/skiff.js');

const LOOP_C = `
#include <stdio.h>
#include <unistd.h>
int main(void) {
  for (;;) { printf("tick\\n"); fflush(stdout); sleep(1); }
}
`;

/** Pids of QEMUs whose command line mentions `dir`. */
async function qemusUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(
      () => '',
    );
    if (cmd.startsWith('qemu-system') || cmd.includes('/qemu-system')) {
      if (cmd.includes(dir)) pids.push(Number(entry));
    }
  }
  return pids;
}

async function until<T>(check: () => Promise<T | undefined>, ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((r) => child.on('close', (code) => r(code)));

describe.skipIf(!kernel)('bin/skiff.js and signals', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: NodeJS.ProcessEnv;
  let loop: string;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first');
    }
    home = await tempHome();
    env = { ...process.env, ...home.env, SKIFF_NANOS_DIR: kernel! };
    const src = join(home.dir, 'loop.c');
    await writeFile(src, LOOP_C);
    loop = await compileC(src, join(home.dir, 'loop'));
  });
  afterAll(async () => {
    for (const pid of await qemusUnder(home.dir)) process.kill(pid, 'SIGKILL');
    await home.cleanup();
  });

  /** `skiff run ./loop`, resolved once the guest prints. */
  async function runLoop(): Promise<{ child: ChildProcess; qemu: number }> {
    const child = spawn(
      process.execPath,
      [bin, 'run', loop, '--accel', 'tcg'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await until(async () => (out.includes('tick') ? true : undefined), 60_000);
    const [qemu] = await qemusUnder(home.dir);
    expect(qemu).toBeDefined();
    return { child, qemu: qemu! };
  }

  it.each([
    ['SIGHUP', 129],
    ['SIGTERM', 143],
  ] as const)('%s stops the VM and exits %d', async (sig, code) => {
    const { child, qemu } = await runLoop();
    const done = exitOf(child);
    child.kill(sig);
    expect(await done).toBe(code);
    expect(existsSync(`/proc/${qemu}`)).toBe(false);
  });

  it('kill -9 of skiff leaves no QEMU running', async () => {
    const { child, qemu } = await runLoop();
    child.kill('SIGKILL');
    await until(
      async () => (existsSync(`/proc/${qemu}`) ? undefined : true),
      10_000,
    );
  });

  it('a second signal during a build leaves no temp file', async () => {
    // A 2 GiB sparse file: seconds of reading, next to no disk.
    const fh = await open(join(home.dir, 'big.bin'), 'w');
    await fh.truncate(2 * 1024 ** 3);
    await fh.close();
    await writeFile(
      join(home.dir, 'config.json'),
      JSON.stringify({ Files: ['big.bin'] }),
    );
    const outDir = join(home.dir, 'out');
    await mkdir(outDir);
    const child = spawn(
      process.execPath,
      [bin, 'build', loop, '-c', 'config.json', '-o', 'out/a.img'],
      { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: home.dir },
    );
    const done = exitOf(child);
    await until(async () => {
      const names = await readdir(outDir);
      return names.some((n) => n.includes('.tmp-')) ? true : undefined;
    }, 30_000);
    // Back to back, so the second arrives before the first's clean-up
    // has run (two SIGINTs this close could merge into one).
    child.kill('SIGINT');
    child.kill('SIGTERM');
    // The exit code is the first signal's; Node may take either first.
    expect([130, 143]).toContain(await done);
    expect(await readdir(outDir)).toEqual([]);
  });
});
