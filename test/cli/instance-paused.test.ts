// A local VM that QEMU paused on a host I/O error (a full disk): `list`
// shows it beside `running` and says what to do, as `logs` does; `stop`
// does not wait on a power button the paused guest cannot answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatInstanceTable } from '../../src/cli/commands/instance-format.js';
import { resolvePaths } from '../../src/paths.js';
import {
  createInstanceDir,
  type InstanceFiles,
} from '../../src/state/instances.js';
import { runCli } from '../helpers/cli-run.js';
import { startFakeQemu, type FakeQemu } from '../helpers/fake-qmp.js';
import { instanceRecord } from '../fixtures/instance-record.js';

let dir: string;
let env: Record<string, string>;
let files: InstanceFiles;
let qemu: FakeQemu | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-paused-'));
  env = { SKIFF_HOME: dir };
  files = await createInstanceDir(
    resolvePaths(env),
    instanceRecord('full2'),
    async () => undefined,
  );
});
afterEach(async () => {
  await qemu?.stop();
  qemu = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('a VM paused on io-error', () => {
  beforeEach(async () => {
    qemu = await startFakeQemu(files, 'io-error');
  });

  it('is listed as running, paused, with what to do', async () => {
    const r = await runCli(['instance', 'list'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('running (paused: io-error)');
    expect(r.stderr).toContain('instance full2 is paused');
    expect(r.stderr).toContain(`free space on the host disk that holds`);
    expect(r.stderr).toContain(files.dir);
    expect(r.stderr).toContain('`skiff instance stop full2`');
    expect(r.stderr).toContain('`skiff instance delete full2`');
  });

  it('keeps the documented state in --json', async () => {
    const r = await runCli(['--json', 'instance', 'list'], { env });
    const [info] = JSON.parse(r.stdout) as {
      state: string;
      details: { vmStatus: string };
    }[];
    expect(info!.state).toBe('running');
    expect(info!.details.vmStatus).toBe('io-error');
  });

  it('is named by instance logs, after the console', async () => {
    const r = await runCli(['instance', 'logs', 'full2'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: instance full2 is paused: .*full/);
  });

  it('is named once by instance logs -w', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 600);
    const r = await runCli(
      ['instance', 'logs', 'full2', '-w', '--interval', '50'],
      { env, signal: controller.signal },
    );
    expect(r.stderr.match(/instance full2 is paused/g)).toHaveLength(1);
  });

  it('is stopped without waiting for the power button', async () => {
    const started = Date.now();
    const r = await runCli(['instance', 'stop', 'full2'], { env });
    expect(r.stderr).toContain('instance full2 stopped');
    // The power button would be pressed for 15 s first.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(qemu!.commands).not.toContain('system_powerdown');
    expect(qemu!.commands).toContain('quit');
  });
});

describe('the STATE column', () => {
  const info = (vmStatus: string) => ({
    ...instanceRecord('web1'),
    target: 'qemu' as const,
    state: 'running' as const,
    details: { vmStatus },
  });

  it('shows running alone while QEMU runs it, or could not be asked', () => {
    const table = formatInstanceTable(
      [info('running'), info('unknown')],
      'qemu',
    );
    expect(table).not.toContain('paused');
  });

  it('shows any other QEMU status as paused', () => {
    expect(formatInstanceTable([info('paused')], 'qemu')).toContain(
      'running (paused)',
    );
    expect(formatInstanceTable([info('guest-panicked')], 'qemu')).toContain(
      'running (paused: guest-panicked)',
    );
  });
});
