// Instance commands with SKIFF_HOME on a full disk (a small tmpfs; root
// only, else skipped): `stop` still stops the VM and says the disk is
// full, naming the folder; no lock is left to block `delete` later; and
// `create` names the folder and the fix instead of a bare ENOSPC.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQemuProvider } from '../../providers/qemu/index.js';
import { silentLogger } from '../../src/log.js';
import { resolvePaths } from '../../src/paths.js';
import { createInstanceDir, instanceFiles } from '../../src/state/instances.js';
import { isProcessAlive } from '../../src/state/process.js';
import { readRunRecord } from '../../src/state/instances.js';
import { runCli } from '../helpers/cli-run.js';
import { startFakeQemu, type FakeQemu } from '../helpers/fake-qmp.js';
import {
  fillDisk,
  freeDisk,
  tryMountTmpfs,
  unmount,
} from '../helpers/full-disk.js';
import { instanceRecord } from '../fixtures/instance-record.js';
import { runConfig } from '../providers/qemu/fixture.js';

let outer: string;
let home: string | undefined;
let env: Record<string, string>;
let qemu: FakeQemu | undefined;

beforeEach(async () => {
  outer = await mkdtemp(join(tmpdir(), 'skiff-full-'));
  const dir = join(outer, 'home');
  await mkdir(dir);
  home = tryMountTmpfs(dir, 'size=1m') ? dir : undefined;
  env = { SKIFF_HOME: dir };
});
afterEach(async () => {
  await qemu?.stop();
  qemu = undefined;
  if (home) unmount(home);
  await rm(outer, { recursive: true, force: true });
});

const noMount = 'cannot mount a tmpfs here (needs root)';

describe('instance stop with SKIFF_HOME on a full disk', () => {
  it('stops the VM, says the disk is full, and leaves no lock', async (t) => {
    if (!home) return t.skip(noMount);
    const paths = resolvePaths(env);
    const files = await createInstanceDir(
      paths,
      instanceRecord('full2'),
      async () => undefined,
    );
    qemu = await startFakeQemu(files, 'running');
    const run = (await readRunRecord(files))!;
    await fillDisk(home);

    const r = await runCli(['instance', 'stop', 'full2'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('instance full2 is stopped');
    expect(r.stderr).toContain(`no space left for ${files.dir}`);
    expect(r.stderr).toContain('free some disk space');
    expect(await isProcessAlive(run.qemu)).toBe(false);
    expect(await readdir(files.dir)).not.toContain('lock');

    await freeDisk(home);
    const started = Date.now();
    const del = await runCli(['instance', 'delete', 'full2'], { env });
    expect(del.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('instance create with SKIFF_HOME on a full disk', () => {
  it('names the instance folder and the fix', async (t) => {
    if (!home) return t.skip(noMount);
    const paths = resolvePaths(env);
    const provider = createQemuProvider({ logger: silentLogger, paths, env });
    const disk = join(outer, 'disk.img');
    await writeFile(disk, 'not really a disk');
    await provider.createImage({
      name: 'web',
      image: { path: disk, sizeBytes: 17, uefi: false, arch: 'x86_64' },
      config: runConfig(),
    });
    await fillDisk(home);

    const r = await runCli(['--json', 'instance', 'create', 'web', '-n', 'x'], {
      env,
    });
    const { error } = JSON.parse(r.stdout) as {
      error: { code: string; message: string; hint: string };
    };
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toBe(
      `creating instance x: no space left for ${instanceFiles(paths, 'x').dir}`,
    );
    expect(error.hint).toContain('SKIFF_HOME');
    const left = await readdir(join(home, 'state', 'instances'));
    expect(left).toEqual([]);
  });
});
