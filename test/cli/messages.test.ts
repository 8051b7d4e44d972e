// Messages for common slips: extra arguments (meant for the program),
// no program or a missing one, and `instance stop|delete` of a stopped
// instance, whose --json state is in `instance list`'s words.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { createInstanceDir } from '../../src/state/instances.js';
import { runCli } from '../helpers/cli-run.js';
import { instanceRecord } from '../fixtures/instance-record.js';

let dir: string;
const cli = (...argv: string[]) =>
  runCli(argv, { cwd: dir, env: { SKIFF_HOME: dir } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-msg-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('extra arguments', () => {
  it('are a usage error whose hint passes them with -a', async () => {
    const r = await cli('run', '/bin/true', 'extra', 'a b');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: too many arguments for skiff run: extra 'a b'\n" +
        "error: hint: arguments for the program go after -a: -a extra -a 'a b'\n",
    );
  });

  it('name the command where there is no -a', async () => {
    const r = await cli('--json', 'instance', 'stop', 'web1', 'web2');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: 'USAGE',
      message: 'too many arguments for skiff instance stop: web2',
      hint: 'see skiff instance stop --help',
    });
  });
});

describe('the program', () => {
  it('when none is given: no "keys listed above"', async () => {
    const r = await cli('build');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: no program: pass it as the first argument or set Program ' +
        'in config.json\n' +
        'error: hint: e.g. `skiff run ./app`, or "Program": "./app" in ' +
        'config.json\n',
    );
  });

  it('when it does not exist', async () => {
    const r = await cli('build', './nope');
    expect(r.stderr).toBe(
      `error: program argument: ./nope (resolved to ${join(dir, 'nope')}) ` +
        'does not exist\n' +
        'error: hint: check the program path (relative to the current ' +
        'folder)\n',
    );
  });
});

describe('a stopped instance', () => {
  beforeAll(async () => {
    await createInstanceDir(
      resolvePaths({ SKIFF_HOME: dir }),
      instanceRecord('web1'),
      async () => undefined,
    );
  });

  it('stop says it is not running, once', async () => {
    const r = await cli('instance', 'stop', 'web1');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('instance web1 is not running (stopped)\n');
    const j = await cli('--json', 'instance', 'stop', 'web1');
    expect(JSON.parse(j.stdout)).toEqual({ name: 'web1', state: 'stopped' });
  });

  it('delete --json says terminated, as a state', async () => {
    const r = await cli('--json', 'instance', 'delete', 'web1');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      name: 'web1',
      state: 'terminated',
    });
  });
});
