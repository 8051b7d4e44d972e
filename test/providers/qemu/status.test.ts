// describeInstance from the files alone (no QEMU): pending, lost, exit
// codes decoded, QEMU's own failure, signals.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeInstance } from '../../../providers/qemu/status.js';
import { formatInstanceTable } from '../../../src/cli/commands/instance-format.js';
import type { SkiffPaths } from '../../../src/paths.js';
import { writeJsonAtomic } from '../../../src/state/atomic.js';
import {
  createInstanceDir,
  type InstanceFiles,
  type InstanceRecord,
} from '../../../src/state/instances.js';

let home: string;
let paths: SkiffPaths;
let files: InstanceFiles;
const record: InstanceRecord = {
  version: 1,
  name: 'web1',
  image: 'web',
  createdAt: '2026-01-01T00:00:00.000Z',
  ports: [],
  cpus: 1,
  memoryBytes: 1 << 20,
  accel: 'tcg',
  rebootOnExit: false,
  uefi: false,
  publishAddress: '',
};
const dead = { pid: 999_999, startTime: '1' };

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'skiff-status-'));
  paths = {
    cacheDir: join(home, 'c'),
    dataDir: join(home, 'd'),
    stateDir: join(home, 's'),
  };
  files = await createInstanceDir(paths, record, async () => undefined);
});
afterEach(() => rm(home, { recursive: true, force: true }));

async function ended(status: number | null, signal: string | null = null) {
  await writeJsonAtomic(files.run, {
    runId: 'r1',
    qemu: dead,
    supervisor: dead,
    startedAt: '2026-01-01T00:00:01.000Z',
  });
  await writeJsonAtomic(files.exit, {
    runId: 'r1',
    status,
    signal,
    exitedAt: '2026-01-01T00:00:02.000Z',
  });
}

describe('describeInstance', () => {
  it('shows where ports listen when --publish-addr chose an address', async () => {
    const ports = [{ protocol: 'tcp' as const, hostPort: 8080, guestPort: 80 }];
    const local = { ...record, ports, publishAddress: '127.0.0.1' };
    const info = await describeInstance(local, files);
    expect(info.details?.publishAddress).toBe('127.0.0.1');
    const table = formatInstanceTable([info], 'qemu');
    expect(table).toContain('127.0.0.1:8080->80/tcp');
    const everywhere = await describeInstance({ ...record, ports }, files);
    expect(everywhere.details).not.toHaveProperty('publishAddress');
    expect(formatInstanceTable([everywhere], 'qemu')).toMatch(/ 8080->80\/tcp/);
  });

  it('is pending while another command holds the lock before a run', async () => {
    await writeFile(files.lock, JSON.stringify({ pid: process.pid }));
    expect((await describeInstance(record, files)).state).toBe('pending');
    await rm(files.lock);
    expect((await describeInstance(record, files)).state).toBe('stopped');
  });

  it('decodes the app exit code from debug_exit', async () => {
    await ended((3 << 1) | 1);
    await writeFile(files.serialLog, 'hello\n');
    const info = await describeInstance(record, files);
    expect(info).toMatchObject({ state: 'stopped', exitCode: 3 });
    expect(info.details).toMatchObject({ exitKind: 'app', qemuStatus: 7 });
  });

  it('tells QEMU failing from exit(0): status 1, no console, stderr', async () => {
    await ended(1);
    await writeFile(files.qemuLog, 'qemu: could not open disk\n');
    const info = await describeInstance(record, files);
    expect(info.exitCode).toBeUndefined();
    expect(info.details?.exitKind).toBe('qemu-error');
  });

  it('shows a guest reset under debug_exit without an exit code', async () => {
    await ended(0);
    await writeFile(files.serialLog, 'page fault\n');
    const info = await describeInstance(record, files);
    expect(info.exitCode).toBeUndefined();
    expect(info.details?.exitKind).toBe('reset');
  });

  it('keeps exit code 0 for status 0 of an image without debug_exit', async () => {
    await ended(0);
    const info = await describeInstance({ ...record, debugExit: false }, files);
    expect(info.exitCode).toBe(0);
    expect(info.details?.exitKind).toBe('poweroff');
  });

  it('calls status 0 after a stop that had to quit QEMU a stop', async () => {
    await ended(0);
    await writeJsonAtomic(files.stop, {
      runId: 'r1',
      method: 'quit',
      at: '2026-01-01T00:00:02.000Z',
    });
    const info = await describeInstance(record, files);
    expect(info.exitCode).toBeUndefined();
    expect(info.details).toMatchObject({
      exitKind: 'stopped',
      stoppedBy: 'quit',
    });
  });

  it('names a signal QEMU caught (it then exits 0)', async () => {
    await ended(0);
    await writeFile(
      files.qemuLog,
      'qemu-system-x86_64: terminating on signal 15 from pid 7 (kill)\n',
    );
    const info = await describeInstance(record, files);
    expect(info.exitCode).toBeUndefined();
    expect(info.details).toMatchObject({
      exitKind: 'signal',
      signal: 'SIGTERM',
    });
  });

  it('names the signal that killed QEMU', async () => {
    await ended(null, 'SIGKILL');
    const info = await describeInstance(record, files);
    expect(info.exitCode).toBeUndefined();
    expect(info.details).toMatchObject({
      signal: 'SIGKILL',
      exitKind: 'signal',
    });
  });

  it('calls a SIGKILL by a stop that had to kill QEMU a stop', async () => {
    await ended(null, 'SIGKILL');
    await writeJsonAtomic(files.stop, {
      runId: 'r1',
      method: 'kill',
      at: '2026-01-01T00:00:02.000Z',
    });
    const info = await describeInstance(record, files);
    expect(info.details).toMatchObject({
      signal: 'SIGKILL',
      exitKind: 'stopped',
      stoppedBy: 'kill',
    });
  });

  it('calls a QEMU that could not be spawned a qemu-error', async () => {
    await ended(null, null);
    const info = await describeInstance(record, files);
    expect(info.exitCode).toBeUndefined();
    expect(info.details?.exitKind).toBe('qemu-error');
    expect(info.details?.signal).toBeUndefined();
  });

  it('shows a run whose processes vanished unrecorded as stopped', async () => {
    await writeJsonAtomic(files.run, {
      runId: 'r2',
      qemu: dead,
      supervisor: dead,
      startedAt: '2026-01-01T00:00:01.000Z',
    });
    const info = await describeInstance(record, files);
    expect(info.state).toBe('stopped');
    expect(info.details?.exitKind).toBe('lost');
  });

  it('ignores the exit record of an earlier run', async () => {
    await ended(7);
    await writeJsonAtomic(files.run, {
      runId: 'r2',
      qemu: { pid: process.pid },
      supervisor: { pid: process.pid },
      startedAt: '2026-01-01T00:00:03.000Z',
    });
    const info = await describeInstance(record, files);
    expect(info).toMatchObject({ state: 'running', pid: process.pid });
    expect(info.exitCode).toBeUndefined();
  });
});
