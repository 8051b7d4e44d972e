// `skiff image delete` with several names: an unknown name stops the whole
// list before anything is deleted; a name that cannot be deleted (in use)
// does not stop the others; --json says what was deleted either way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQemuProvider } from '../../providers/qemu/index.js';
import { silentLogger } from '../../src/log.js';
import { resolvePaths } from '../../src/paths.js';
import { writeJsonAtomic } from '../../src/state/atomic.js';
import { createInstanceDir } from '../../src/state/instances.js';
import { identifyProcess } from '../../src/state/process.js';
import { runCli } from '../helpers/cli-run.js';
import { runConfig } from '../providers/qemu/fixture.js';
import { instanceRecord } from '../fixtures/instance-record.js';

let dir: string;
let env: Record<string, string>;
let stand: ChildProcess | undefined;

async function images(): Promise<string[]> {
  const r = await runCli(['--json', 'image', 'list'], { env });
  return (JSON.parse(r.stdout) as { name: string }[]).map((i) => i.name);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-imgdel-'));
  env = { SKIFF_HOME: dir };
  const provider = createQemuProvider({
    logger: silentLogger,
    paths: resolvePaths(env),
    env,
  });
  const disk = join(dir, 'disk.img');
  for (const name of ['d1', 'd2', 'd3']) {
    // Stored by moving it: one per image.
    await writeFile(disk, 'not really a disk');
    await provider.createImage({
      name,
      image: { path: disk, sizeBytes: 17, uefi: false, arch: 'x86_64' },
      config: runConfig(),
    });
  }
});
afterEach(async () => {
  stand?.kill('SIGKILL');
  stand = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** An instance of `image` that counts as running: a live stand-in QEMU. */
async function runningInstanceOf(image: string): Promise<void> {
  stand = spawn('sleep', ['60'], { stdio: 'ignore' });
  const me = await identifyProcess(stand.pid!);
  const files = await createInstanceDir(
    resolvePaths(env),
    instanceRecord('user1', image),
    async () => undefined,
  );
  await writeJsonAtomic(files.run, {
    runId: 'r1',
    qemu: me,
    supervisor: me,
    startedAt: '2026-01-01T00:00:01.000Z',
  });
}

describe('image delete with several names', () => {
  it('deletes nothing when a name is unknown, naming every one', async () => {
    const r = await runCli(['image', 'delete', 'd1', 'x1', 'd2', 'x2'], {
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no local image named "x1", "x2"');
    expect(r.stderr).toContain('images: d1, d2, d3');
    expect(r.stderr).toContain('nothing was deleted');
    expect(await images()).toEqual(['d1', 'd2', 'd3']);
  });

  it('says so with --json too', async () => {
    const r = await runCli(['--json', 'image', 'delete', 'd1', 'nosuch'], {
      env,
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      deleted: [],
      error: { code: 'IMAGE_NOT_FOUND' },
    });
    expect(await images()).toEqual(['d1', 'd2', 'd3']);
  });

  it('deletes the others when one is in use, and reports both', async () => {
    await runningInstanceOf('d2');
    const r = await runCli(['--json', 'image', 'delete', 'd1', 'd2', 'd3'], {
      env,
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      deleted: ['d1', 'd3'],
      failed: ['d2'],
      error: { code: 'IMAGE_IN_USE', hint: expect.stringContaining('--force') },
    });
    expect(await images()).toEqual(['d2']);
  });

  it('deletes them all and lists them with --json', async () => {
    const r = await runCli(['--json', 'image', 'delete', 'd1', 'd3'], {
      env,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ deleted: ['d1', 'd3'] });
    expect(await images()).toEqual(['d2']);
  });
});
