// A booted instance whose state folder fills up (a small tmpfs; root
// only, else skipped): QEMU pauses the VM on the failed disk write
// (`io-error`), `instance list` says so and what to do, `stop` ends it at
// once and names the full folder, and `delete` works once space is free.
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceFiles, readRunRecord } from '../../../src/state/instances.js';
import { isProcessAlive } from '../../../src/state/process.js';
import { runCli } from '../../helpers/cli-run.js';
import {
  fillDisk,
  freeDisk,
  tryMountTmpfs,
  unmount,
} from '../../helpers/full-disk.js';
import { findKernelForTests } from '../../helpers/kernel.js';
import {
  compile,
  hasGcc,
  killLeftovers,
  makeImage,
  removeHome,
  runConfig,
  testHome,
  waitFor,
  type TestHome,
} from './fixture.js';

// Waits for the test to fill the host disk, then writes to its own.
const WRITER_C = `
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  static char buf[65536];
  printf("waiting\\n");
  fflush(stdout);
  sleep(4);
  memset(buf, 7, sizeof buf);
  int fd = open("/data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (int i = 0; i < 4; i++) {
    write(fd, buf, sizeof buf);
    fsync(fd);
  }
  printf("wrote\\n");
  fflush(stdout);
  for (;;) sleep(60);
}
`;

const kernel = findKernelForTests();

describe.skipIf(!kernel || !hasGcc())('qemu provider: a full disk', () => {
  let home: TestHome;
  let mounted = false;

  beforeAll(async () => {
    home = await testHome();
    const writer = await compile(home.dir, 'writer', WRITER_C);
    await home.provider.createImage({
      name: 'writer',
      image: await makeImage(kernel!, home.dir, writer, {
        minSizeBytes: 64 << 20,
      }),
      config: runConfig(),
    });
    await mkdir(home.paths.stateDir);
    mounted = tryMountTmpfs(home.paths.stateDir, 'size=32m');
  });
  afterAll(async () => {
    // The VM first: its records are on the tmpfs.
    await killLeftovers(home.paths);
    if (mounted) unmount(home.paths.stateDir);
    await removeHome(home);
  });

  it('pauses the VM; list says so; stop still stops it', async (t) => {
    if (!mounted) return t.skip('cannot mount a tmpfs here (needs root)');
    const env = { SKIFF_HOME: home.dir };
    const { provider, paths } = home;
    await provider.createInstance({
      name: 'full2',
      imageName: 'writer',
      config: runConfig(),
      ports: [],
    });
    const files = instanceFiles(paths, 'full2');
    const run = (await readRunRecord(files))!;
    await fillDisk(paths.stateDir);
    await waitFor(
      async () =>
        (await provider.getInstance('full2')).details?.vmStatus === 'io-error',
      60_000,
      'QEMU to pause the VM on io-error',
    );

    const list = await runCli(['instance', 'list'], { env });
    expect(list.stdout).toMatch(/full2 +writer +running \(paused: io-error\)/);
    expect(list.stderr).toContain('`skiff instance stop full2`');

    const started = Date.now();
    const stop = await runCli(['instance', 'stop', 'full2'], { env });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain(
      `instance full2 is stopped, but recording the stop failed: ` +
        `no space left for ${files.dir}`,
    );
    // No 15 s of power button presses the paused guest cannot answer.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await isProcessAlive(run.qemu)).toBe(false);

    await freeDisk(paths.stateDir);
    const del = await runCli(['instance', 'delete', 'full2'], { env });
    expect(del.code).toBe(0);
  });
});
