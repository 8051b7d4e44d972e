// Two `skiff run`s of programs with the same file name at once: each boots
// its own image (no "write lock", no output of the other), and the run
// folder is empty afterwards unless --keep-image.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();

const source = (who: string) => `
#include <stdio.h>
int main(void) { printf("I am ${who}\\n"); return 0; }
`;

describe.skipIf(!kernel)('skiff run: same program name twice', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_NANOS_DIR: kernel! };
    for (const who of ['A', 'B']) {
      const dir = join(home.dir, `r${who.toLowerCase()}`);
      await mkdir(dir);
      await writeFile(join(dir, 'hello.c'), source(who));
      await compileC(join(dir, 'hello.c'), join(dir, 'hello'));
    }
  });
  afterAll(() => home.cleanup());

  const run = (program: string, ...extra: string[]) =>
    runCli(['run', program, '--accel', 'tcg', '--timeout', '60', ...extra], {
      env,
      cwd: home.dir,
    });

  it('boots each its own image and removes them after', async () => {
    const [a, b] = await Promise.all([run('./ra/hello'), run('./rb/hello')]);
    expect(a.stdout).toContain('I am A');
    expect(a.stdout).not.toContain('I am B');
    expect(b.stdout).toContain('I am B');
    expect(b.stderr).not.toContain('lock');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await readdir(join(home.dir, 'state', 'run'))).toEqual([]);
  });

  it('keeps the image with --keep-image and names it', async () => {
    const r = await run('./ra/hello', '--keep-image');
    expect(r.code).toBe(0);
    const path = /image: (\S+) \(kept\)/.exec(r.stderr)?.[1];
    expect(path).toMatch(/state\/run\/kept-\d+-\w+\/hello\.img$/);
    const kept = await readdir(join(home.dir, 'state', 'run'));
    expect(kept).toHaveLength(1);
    // A later run sweeps what dead runs left, never a kept image.
    expect((await run('./rb/hello')).code).toBe(0);
    expect(await readdir(join(home.dir, 'state', 'run'))).toEqual(kept);
  });
});
