// An instance takes CPUs and memory from -m/--smp or its own -c config,
// else from the image's RunConfig, else the defaults. A stand-in QEMU
// records the argv it was given and fails, so no kernel is needed.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { removeHome, runConfig, testHome, type TestHome } from './fixture.js';

let home: TestHome | undefined;
let bin: string | undefined;
afterEach(async () => {
  await removeHome(home);
  if (bin) await rm(bin, { recursive: true, force: true });
});

function withRun(run: Partial<ResolvedConfig['run']>): ResolvedConfig {
  const config = runConfig();
  config.run = { ...config.run, cpus: undefined, memoryBytes: undefined };
  Object.assign(config.run, run);
  return config;
}

/** -m and -smp of the QEMU that `createInstance` started. */
async function qemuSize(
  image: Partial<ResolvedConfig['run']>,
  instance: Partial<ResolvedConfig['run']>,
): Promise<string[]> {
  bin = await mkdtemp(join(tmpdir(), 'skiff-size-'));
  const qemu = join(bin, 'qemu-system-x86_64');
  await writeFile(
    qemu,
    `#!/bin/sh\necho "$@" > "${bin}/argv"\necho "no" >&2\nexit 1\n`,
  );
  await chmod(qemu, 0o755);
  home = await testHome({ startTimeoutMs: 5000 }, { PATH: `${bin}:/bin` });
  const disk = join(home.dir, 'disk.img');
  await writeFile(disk, 'x');
  await home.provider.createImage({
    name: 'img',
    image: { path: disk, sizeBytes: 1, uefi: false, arch: 'x86_64' },
    config: withRun(image),
  });
  await home.provider
    .createInstance({
      name: 'i1',
      imageName: 'img',
      config: withRun(instance),
      ports: [],
    })
    .catch(() => undefined);
  const argv = (await readFile(join(bin, 'argv'), 'utf8')).trim().split(' ');
  const at = (flag: string) => argv[argv.indexOf(flag) + 1]!;
  return [at('-m'), at('-smp')];
}

describe('instance CPUs and memory', () => {
  it("uses the image's RunConfig when the instance sets none", async () => {
    expect(await qemuSize({ memoryBytes: 256 << 20, cpus: 2 }, {})).toEqual([
      '256M',
      '2',
    ]);
  });

  it('lets -m/--smp (or the instance config) win', async () => {
    expect(
      await qemuSize(
        { memoryBytes: 256 << 20, cpus: 2 },
        { memoryBytes: 1 << 30 },
      ),
    ).toEqual(['1024M', '2']);
  });

  it('falls back on 512M and 1 CPU', async () => {
    expect(await qemuSize({}, {})).toEqual(['512M', '1']);
  });
});
