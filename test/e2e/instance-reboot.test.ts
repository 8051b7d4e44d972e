// --reboot-on-exit always: the image's app is restarted by Nanos after
// every exit, so the instance keeps running (QEMU without -no-reboot)
// until `instance stop`, which the power button still ends.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests } from '../helpers/kernel.js';
import { killLeftovers, waitFor } from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/hello-c');

function boots(text: string): number {
  return text.split('hello from skiff\n').length - 1;
}

describe.skipIf(!kernel)('skiff instance: RebootOnExit always', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_NANOS_DIR: kernel! };
    await compileC(join(example, 'hello.c'), join(home.dir, 'hello'));
    await copyFile(join(example, 'config.json'), join(home.dir, 'config.json'));
  });
  afterAll(async () => {
    await killLeftovers(resolvePaths(env));
    await home.cleanup();
  });

  it('keeps rebooting after exit(0) until stopped', async () => {
    const made = await cli(
      'image',
      'create',
      './hello',
      '-c',
      'config.json',
      '--imagename',
      'again',
      '--reboot-on-exit',
      'always',
      '--json',
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout).details.rebootOnExit).toBe('always');
    expect(
      (await cli('instance', 'create', '-n', 'loop', 'again', '--accel', 'tcg'))
        .code,
    ).toBe(0);
    const bootAt = Date.now();
    await waitFor(
      async () => boots((await cli('instance', 'logs', 'loop')).stdout) >= 3,
      60_000,
      'three boots',
    );
    console.log(`three boots: ${Date.now() - bootAt} ms`);
    const running = JSON.parse(
      (await cli('instance', 'list', '--json')).stdout,
    );
    expect(running[0]).toMatchObject({ name: 'loop', state: 'running' });

    const stopAt = Date.now();
    expect((await cli('instance', 'stop', 'loop')).code).toBe(0);
    console.log(`stop during reboot loop: ${Date.now() - stopAt} ms`);
    const stopped = JSON.parse(
      (await cli('instance', 'list', '--json')).stdout,
    );
    expect(stopped[0]).toMatchObject({ name: 'loop', state: 'stopped' });
    expect((await cli('instance', 'delete', 'loop')).code).toBe(0);
  });
});
