// `skiff instance logs` on a local instance, from its files alone: a
// console log that was capped says older output was dropped.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import {
  createInstanceDir,
  type InstanceFiles,
} from '../../src/state/instances.js';
import { runCli } from '../helpers/cli-run.js';

let dir: string;
let env: Record<string, string>;
let files: InstanceFiles;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
  env = { SKIFF_HOME: dir };
  files = await createInstanceDir(
    resolvePaths(env),
    {
      version: 1,
      name: 'chatty',
      image: 'web',
      createdAt: '2026-01-01T00:00:00.000Z',
      ports: [],
      cpus: 1,
      memoryBytes: 256 << 20,
      accel: 'tcg',
      rebootOnExit: false,
      uefi: false,
      publishAddress: '',
    },
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
