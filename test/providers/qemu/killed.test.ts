// A QEMU killed from outside (SIGKILL, OOM killer) shows as stopped, with
// the signal named and its console output kept; a PID that was handed to
// another process is not taken for the instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceFiles, readRunRecord } from '../../../src/state/instances.js';
import { writeJsonAtomic } from '../../../src/state/atomic.js';
import { isProcessAlive } from '../../../src/state/process.js';
import { findKernelForTests } from '../../helpers/kernel.js';
import {
  compile,
  hasGcc,
  liveProcesses,
  makeImage,
  removeHome,
  runConfig,
  SERVER_C,
  testHome,
  waitFor,
  type TestHome,
} from './fixture.js';

const kernel = findKernelForTests();

describe.skipIf(!kernel || !hasGcc())('qemu provider: killed QEMU', () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await testHome();
    const server = await compile(home.dir, 'server', SERVER_C);
    await home.provider.createImage({
      name: 'web',
      image: await makeImage(kernel!, home.dir, server),
      config: runConfig(),
    });
  });
  afterAll(() => removeHome(home));

  it('reports SIGKILL as stopped and keeps the last log lines', async () => {
    const { provider, paths } = home;
    await provider.createInstance({
      name: 'victim',
      imageName: 'web',
      config: runConfig(),
      ports: [],
    });
    const files = instanceFiles(paths, 'victim');
    await waitFor(
      async () =>
        (await provider.readLogs('victim', 0)).text.includes('listening'),
      30_000,
      'the server to start',
    );
    const run = (await readRunRecord(files))!;
    process.kill(run.qemu.pid, 'SIGKILL');

    const info = await waitFor(
      async () => {
        const i = await provider.getInstance('victim');
        return i.state === 'stopped' && i;
      },
      10_000,
      'the instance to show as stopped',
    );
    expect(info.pid).toBeUndefined();
    expect(info.exitCode).toBeUndefined();
    expect(info.details?.signal).toBe('SIGKILL');
    expect((await provider.readLogs('victim', 0)).text).toContain(
      'listening on 0.0.0.0:8080',
    );
    await waitFor(
      async () => !(await isProcessAlive(run.supervisor)),
      5000,
      'the supervisor to leave',
    );
    expect(await liveProcesses(paths)).toEqual([]);
  });

  it('does not take a reused PID for a live instance', async () => {
    const { provider, paths } = home;
    const files = instanceFiles(paths, 'victim');
    const run = (await readRunRecord(files))!;
    // Pretend the dead QEMU's pid now belongs to this test process, and
    // the supervisor died too without recording the exit.
    await writeJsonAtomic(files.run, {
      ...run,
      runId: 'other-run',
      qemu: { pid: process.pid, startTime: run.qemu.startTime },
    });
    const info = await provider.getInstance('victim');
    expect(info.state).toBe('stopped');
    expect(info.details?.exitKind).toBe('lost');
  });

  it('starts the killed instance again', async () => {
    await home.provider.startInstance('victim');
    expect((await home.provider.getInstance('victim')).state).toBe('running');
    await home.provider.deleteInstance('victim');
    expect(await home.provider.listInstances()).toEqual([]);
  });
});
