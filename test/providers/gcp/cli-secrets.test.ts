// No access token in any line the CLI prints, in normal, -v, --debug and
// --json output, while the fake hands out a new short-lived token for
// every metadata request and a failing call echoes the request's header.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileC,
  runCli,
  tempHome,
  type CliRun,
} from '../../helpers/cli-run.js';
import { findKernelForTests } from '../../helpers/kernel.js';
import { fakeEndpoints, setupGcp, type GcpTestEnv } from './setup.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../../examples/hello-c');
const VERBOSITY = [[], ['-v'], ['--debug'], ['--json', '--debug']];

let gcp: GcpTestEnv;
let home: Awaited<ReturnType<typeof tempHome>>;
const runs: CliRun[] = [];

async function cli(...argv: string[]): Promise<CliRun> {
  const run = await runCli([...argv, '-t', 'gcp', '-c', 'config.json'], {
    cwd: home.dir,
    env: {
      ...home.env,
      ...(kernel ? { SKIFF_NANOS_DIR: kernel } : {}),
      ...fakeEndpoints(gcp),
    },
  });
  runs.push(run);
  return run;
}

/** Every line printed so far: stdout and stderr of every run. */
function printed(): string {
  return runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
}

beforeAll(async () => {
  // Under google-auth-library's 5-minute margin: each request refreshes.
  gcp = await setupGcp({ rotateTokens: true, tokenTtlSeconds: 60 });
  gcp.fake.buckets.add('skiff-images');
  gcp.fake.images.set('seeded', {
    name: 'seeded',
    diskSizeGb: '1',
    labels: { 'managed-by': 'skiff' },
  });
  home = await tempHome();
  const raw = JSON.parse(await readFile(join(example, 'config.json'), 'utf8'));
  raw.CloudConfig = {
    ProjectID: 'skiff-test',
    Zone: 'us-central1-a',
    BucketName: 'skiff-images',
  };
  await writeFile(join(home.dir, 'config.json'), JSON.stringify(raw));
  if (kernel) {
    await compileC(join(example, 'hello.c'), join(home.dir, 'hello'));
    await copyFile(join(example, 'hello.c'), join(home.dir, 'hello.c'));
  }
}, 60_000);

afterAll(async () => {
  await home?.cleanup();
  await gcp?.close();
});

describe.each(VERBOSITY)('GCP CLI output %s', (...flags: string[]) => {
  const tag = flags.join('').replace(/\W/g, '') || 'plain';

  it.skipIf(!kernel)(
    'image create',
    async () => {
      const run = await cli(
        'image',
        'create',
        './hello',
        '-i',
        `img-${tag}`,
        ...flags,
      );
      expect(run.code).toBe(0);
    },
    120_000,
  );

  it('instance create, list, logs, stop, start, delete', async () => {
    const name = `vm-${tag}`;
    const created = await cli(
      'instance',
      'create',
      'seeded',
      '--instance-name',
      name,
      '-p',
      '80',
      ...flags,
    );
    expect(created.code).toBe(0);
    gcp.fake.writeSerial(name, 'Hello from Nanos\n');
    for (const argv of [
      ['instance', 'list'],
      ['image', 'list'],
      ['instance', 'logs', name],
      ['instance', 'stop', name],
      ['instance', 'start', name],
      ['instance', 'delete', name],
    ]) {
      expect((await cli(...argv, ...flags)).code).toBe(0);
    }
    if (flags.length > 0) expect(created.stderr).toContain('debug: gcp:');
  }, 60_000);

  it('a failing call that echoes the Authorization header', async () => {
    gcp.fake.instances.set('echo', {
      name: 'echo',
      status: 'RUNNING',
      labels: { 'managed-by': 'skiff' },
    });
    gcp.fake.failNext = {
      pathIncludes: '/instances/echo/stop',
      status: 403,
      reason: 'forbidden',
      message: 'denied for {auth}',
    };
    const run = await cli('instance', 'stop', 'echo', ...flags);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('denied for Bearer ***');
  });
});

describe('GCP CLI output, all of it', () => {
  it('never shows a token', () => {
    const text = printed();
    expect(gcp.fake.issuedTokens.length).toBeGreaterThan(10);
    for (const token of gcp.fake.issuedTokens) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.slice('ya29.'.length));
    }
  });
});
