// Starts that go wrong, with a stand-in QEMU on PATH: one that hangs
// without ever answering on QMP (time-boxed, killed, nothing left) and one
// that fails at once (its message becomes the error).
import {
  chmod,
  mkdtemp,
  readFile,
  readdir,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/state/process.js';
import { removeHome, runConfig, testHome, type TestHome } from './fixture.js';

let home: TestHome | undefined;
let bin: string | undefined;
afterEach(async () => {
  await removeHome(home);
  if (bin) await rm(bin, { recursive: true, force: true });
});

/** A home whose PATH finds `script` as qemu-system-x86_64 first. */
async function withFakeQemu(script: string): Promise<TestHome> {
  bin = await mkdtemp(join(tmpdir(), 'skiff-fakeqemu-'));
  const qemu = join(bin, 'qemu-system-x86_64');
  await writeFile(qemu, `#!/bin/sh\n${script}\n`);
  await chmod(qemu, 0o755);
  const h = await testHome(
    { startTimeoutMs: 1500 },
    { PATH: `${bin}:/usr/bin:/bin` },
  );
  const disk = join(h.dir, 'disk.img');
  await writeFile(disk, 'not really a disk');
  await h.provider.createImage({
    name: 'img',
    image: { path: disk, sizeBytes: 17, uefi: false, arch: 'x86_64' },
    config: runConfig(),
  });
  return h;
}

async function instances(h: TestHome): Promise<string[]> {
  return readdir(join(h.paths.stateDir, 'instances')).catch(() => []);
}

describe('qemu provider with a misbehaving QEMU', () => {
  it('time-boxes a start that never answers and leaves nothing', async () => {
    home = await withFakeQemu('echo $$ > "$(dirname "$0")/pid"; exec sleep 60');
    const started = Date.now();
    const err = await home.provider
      .createInstance({
        name: 'x',
        imageName: 'img',
        config: runConfig(),
        ports: [],
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QEMU_START_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await instances(home)).toEqual([]);
    const pid = Number(await readFile(join(bin!, 'pid'), 'utf8'));
    expect(await isProcessAlive({ pid })).toBe(false);
  });

  it('turns an immediate QEMU failure into its message', async () => {
    home = await withFakeQemu(
      'echo "qemu-system-x86_64: -drive file=x: Could not open" >&2; exit 1',
    );
    const err = await home.provider
      .createInstance({
        name: 'x',
        imageName: 'img',
        config: runConfig(),
        ports: [],
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QEMU_FAILED' });
    expect((err as Error).message).toContain('Could not open');
    expect(await instances(home)).toEqual([]);
  });
});
