// `skiff instance start` on an instance that runs already says so once and
// does not claim to have started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { writeJsonAtomic } from '../../src/state/atomic.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInstanceDir } from '../../src/state/instances.js';
import { withLock } from '../../src/state/lock.js';
import { identifyProcess } from '../../src/state/process.js';
import { runCli } from '../helpers/cli-run.js';
import { instanceRecord } from '../fixtures/instance-record.js';

let dir: string;
let stand: ChildProcess;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-start-'));
  const paths = resolvePaths({ SKIFF_HOME: dir });
  // A live process stands in for the instance's QEMU and supervisor.
  stand = spawn('sleep', ['60'], { stdio: 'ignore' });
  const me = await identifyProcess(stand.pid!);
  const files = await createInstanceDir(
    paths,
    instanceRecord('web1'),
    async () => undefined,
  );
  await writeJsonAtomic(files.run, {
    runId: 'r1',
    qemu: me,
    supervisor: me,
    startedAt: '2026-01-01T00:00:01.000Z',
  });
});
afterEach(async () => {
  stand.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('instance start on a running instance', () => {
  it('says it is already running, and only that', async () => {
    const r = await runCli(['instance', 'start', 'web1'], {
      env: { SKIFF_HOME: dir },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('instance web1 is already running\n');
  });

  it('prints its state with --json', async () => {
    const r = await runCli(['--json', 'instance', 'start', 'web1'], {
      env: { SKIFF_HOME: dir },
    });
    expect(JSON.parse(r.stdout)).toEqual({ name: 'web1', state: 'running' });
  });
});

describe('instance start on a taken port', () => {
  it('does not suggest -p, which start does not take', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    const paths = resolvePaths({ SKIFF_HOME: dir });
    await createInstanceDir(
      paths,
      instanceRecord('web2', 'web', {
        ports: [{ protocol: 'tcp', hostPort: port, guestPort: 8080 }],
      }),
      async () => undefined,
    );
    try {
      const r = await runCli(['instance', 'start', 'web2'], {
        env: { SKIFF_HOME: dir },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`tcp port ${port}`);
      expect(r.stderr).toContain('create it again with -p <free>:8080');
      expect(r.stderr).not.toContain('map another host port');
    } finally {
      server.close();
    }
  });
});

describe('instance start racing another start', () => {
  it('says already running when the other one started it first', async () => {
    const paths = resolvePaths({ SKIFF_HOME: dir });
    const files = await createInstanceDir(
      paths,
      instanceRecord('cc'),
      async () => undefined,
    );
    const me = await identifyProcess(stand.pid!);
    let started!: () => void;
    const other = new Promise<void>((r) => (started = r));
    // Another `instance start cc` holds the lock and starts it.
    const holder = withLock(files.lock, { what: 'instance cc' }, async () => {
      await other;
      await writeJsonAtomic(files.run, {
        runId: 'r2',
        qemu: me,
        supervisor: me,
        startedAt: '2026-01-01T00:00:01.000Z',
      });
    });
    const mine = runCli(['instance', 'start', 'cc'], {
      env: { SKIFF_HOME: dir },
    });
    // Past its first look at the state (stopped), now waiting for the lock.
    await sleep(300);
    started();
    await holder;
    const r = await mine;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('instance cc is already running\n');
  });
});
