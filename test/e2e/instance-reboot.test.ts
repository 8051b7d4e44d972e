// --reboot-on-exit always: the image's app is restarted by Nanos after
// every exit, so the instance keeps running (QEMU without -no-reboot)
// until `instance stop`, which the power button still ends.
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileC } from '../helpers/cli-run.js';
import { useInstanceHome } from '../helpers/instance-home.js';
import { findKernelForTests } from '../helpers/kernel.js';
import { waitFor } from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/hello-c');

function boots(text: string): number {
  return text.split('hello from skiff\n').length - 1;
}

describe.skipIf(!kernel)('skiff instance: RebootOnExit always', () => {
  const h = useInstanceHome(kernel, async (dir) => {
    await compileC(join(example, 'hello.c'), join(dir, 'hello'));
    await copyFile(join(example, 'config.json'), join(dir, 'config.json'));
  });
  const { cli } = h;

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
