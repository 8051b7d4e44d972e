// A QEMU killed from outside (SIGKILL) shows as stopped in `instance list`,
// with the signal in the EXIT column and its console output kept.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { compileC } from '../helpers/cli-run.js';
import { useInstanceHome } from '../helpers/instance-home.js';
import { findKernelForTests } from '../helpers/kernel.js';
import {
  recordedProcesses,
  stillAlive,
  waitFor,
} from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/http-server');

describe.skipIf(!kernel)('skiff instance: QEMU killed from outside', () => {
  const h = useInstanceHome(kernel, async (dir) => {
    await compileC(join(example, 'server.c'), join(dir, 'server'));
  });
  const { cli } = h;

  it('is listed as stopped, logs kept', async () => {
    const paths = resolvePaths(h.env);
    expect(
      (await cli('image', 'create', './server', '--imagename', 'web')).code,
    ).toBe(0);
    const made = await cli(
      'instance',
      'create',
      '-n',
      'victim',
      'web',
      '--accel',
      'tcg',
      '--json',
    );
    expect(made.code).toBe(0);
    const { pid } = JSON.parse(made.stdout) as { pid: number };
    await waitFor(
      async () =>
        (await cli('instance', 'logs', 'victim')).stdout.includes('listening'),
      30_000,
      'the server to start',
    );
    const ids = await recordedProcesses(paths);

    process.kill(pid, 'SIGKILL');
    const info = await waitFor(
      async () => {
        const list = JSON.parse(
          (await cli('instance', 'list', '--json')).stdout,
        );
        return list[0].state === 'stopped' && list[0];
      },
      10_000,
      'victim to show as stopped',
    );
    expect(info.pid).toBeUndefined();
    expect(info.details.signal).toBe('SIGKILL');
    expect((await cli('instance', 'list')).stdout).toMatch(
      /victim\s+web\s+stopped\s+-\s+-\s+\S+ \S+\s+SIGKILL/,
    );
    expect((await cli('instance', 'logs', 'victim')).stdout).toContain(
      'listening on 0.0.0.0:8080',
    );
    // The supervisor records the signal, then exits: give it a moment.
    await waitFor(
      async () => (await stillAlive(ids)).length === 0,
      5_000,
      'the supervisor to exit after recording the signal',
    );
    expect((await cli('instance', 'delete', 'victim')).code).toBe(0);
  });
});
