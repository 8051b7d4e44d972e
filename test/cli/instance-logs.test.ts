// `skiff instance logs` on a local instance, from its files alone: a
// console log that was capped says older output was dropped; following an
// instance that gets deleted ends quietly.
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { writeJsonAtomic } from '../../src/state/atomic.js';
import {
  createInstanceDir,
  type InstanceFiles,
} from '../../src/state/instances.js';
import { identifyProcess } from '../../src/state/process.js';
import { runCli } from '../helpers/cli-run.js';
import { instanceRecord } from '../fixtures/instance-record.js';

let dir: string;
let env: Record<string, string>;
let files: InstanceFiles;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
  env = { SKIFF_HOME: dir };
  files = await createInstanceDir(
    resolvePaths(env),
    instanceRecord('chatty'),
    async () => undefined,
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('instance logs of a capped console', () => {
  beforeEach(async () => {
    // Bytes 0-99 dropped; 100-109 kept in a part, then serial.log.
    await writeFile(`${files.serialLog}.100`, 'line 9\nlin');
    await writeFile(files.serialLog, 'e 10\n');
  });

  it('prints the tail and warns that older output was dropped', async () => {
    const r = await runCli(['instance', 'logs', 'chatty'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('line 9\nline 10\n');
    expect(r.stderr).toBe('warning: older log output was dropped\n');
  });

  it('says so with --json', async () => {
    const r = await runCli(['--json', 'instance', 'logs', 'chatty'], { env });
    expect(JSON.parse(r.stdout)).toEqual({
      name: 'chatty',
      text: 'line 9\nline 10\n',
      dropped: true,
    });
  });
});

describe('instance logs -w of an instance that gets deleted', () => {
  it('ends with exit 0 and a note, not an error', async () => {
    // A live process stands in for the instance's QEMU and supervisor.
    const stand = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const me = await identifyProcess(stand.pid!);
      await writeJsonAtomic(files.run, {
        runId: 'r1',
        qemu: me,
        supervisor: me,
        startedAt: '2026-01-01T00:00:01.000Z',
      });
      await writeFile(files.serialLog, 'booting\n');
      let seen = '';
      let delivered!: () => void;
      const booted = new Promise<void>((r) => (delivered = r));
      const following = runCli(
        ['instance', 'logs', 'chatty', '-w', '--interval', '50'],
        {
          env,
          onStdout: (text) => {
            seen += text;
            if (seen.includes('ready')) delivered();
          },
        },
      );
      await appendFile(files.serialLog, 'ready\n');
      await booted;
      const gone = await runCli(['instance', 'delete', 'chatty'], { env });
      expect(gone.code).toBe(0);
      const r = await following;
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('booting\nready\n');
      // Deleting stops it first: the follow may see either.
      expect(r.stderr).toMatch(/^instance chatty (was deleted|stopped)\n$/);
    } finally {
      stand.kill('SIGKILL');
    }
  });
});

describe('instance logs --interval', () => {
  it.each(['abc', '0', '-5', '1.5'])('refuses %j', async (value) => {
    const r = await runCli(
      ['--json', 'instance', 'logs', 'chatty', '-w', '--interval', value],
      { env },
    );
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout) as {
      error: { code: string; message: string; hint: string };
    };
    expect(error.code).toBe('FLAG_INVALID');
    expect(error.message).toBe(
      `--interval ${value}: not a number of milliseconds`,
    );
    expect(error.hint).toContain('--interval 500');
  });
});
