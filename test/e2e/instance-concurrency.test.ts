// Several skiff processes at once (the compiled CLI, one process each):
// creates of one name (exactly one wins), creates of different names, and
// deletes racing each other leave consistent state and no process.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests } from '../helpers/kernel.js';
import {
  killLeftovers,
  recordedProcesses,
  stillAlive,
} from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const root = join(import.meta.dirname, '../..');
const example = join(root, 'examples/http-server');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Compiles the CLI into .tmp/ (inside the repo, so imports resolve). */
async function compileCli(): Promise<string> {
  await mkdir(join(root, '.tmp'), { recursive: true });
  const out = await mkdtemp(join(root, '.tmp', 'cli-'));
  // Type errors elsewhere in a tree under work must not stop emitting.
  await promisify(execFile)(
    join(root, 'node_modules/.bin/tsc'),
    ['-p', join(root, 'tsconfig.json'), '--outDir', out],
    { cwd: root },
  ).catch(() => undefined);
  await writeFile(
    join(out, 'skiff.mjs'),
    `import { main } from './src/cli/main.js';\n` +
      `process.exitCode = await main(process.argv.slice(2), {\n` +
      `  env: process.env, stdout: process.stdout,\n` +
      `  stderr: process.stderr, cwd: process.cwd() });\n`,
  );
  return out;
}

describe.skipIf(!kernel)('skiff instance: concurrent processes', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  let cliDir: string;

  const proc = (...argv: string[]): Promise<Ran> =>
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [join(cliDir, 'skiff.mjs'), ...argv],
        {
          env: { ...process.env, ...env },
          cwd: home.dir,
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_NANOS_DIR: kernel! };
    cliDir = await compileCli();
    await compileC(join(example, 'server.c'), join(home.dir, 'server'));
    const made = await runCli(
      ['image', 'create', './server', '--imagename', 'web', '-m', '128m'],
      { env, cwd: home.dir },
    );
    expect(made.code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await killLeftovers(resolvePaths(env));
    await home.cleanup();
    await rm(cliDir, { recursive: true, force: true });
  });

  it('one of six creates of the same name wins', async () => {
    const runs = await Promise.all(
      Array.from({ length: 6 }, () =>
        proc(
          'instance',
          'create',
          '-n',
          'same',
          'web',
          '--accel',
          'tcg',
          '--json',
        ),
      ),
    );
    const won = runs.filter((r) => r.code === 0);
    const lost = runs.filter((r) => r.code !== 0);
    expect(won).toHaveLength(1);
    expect(JSON.parse(won[0]!.stdout)).toMatchObject({
      name: 'same',
      state: 'running',
    });
    for (const r of lost) {
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).error.code).toBe('INSTANCE_EXISTS');
    }
  });

  it('of three creates racing for one host port, one gets it', async () => {
    const port = await freePort();
    const runs = await Promise.all(
      ['p1', 'p2', 'p3'].map((n) =>
        proc(
          'instance',
          'create',
          '-n',
          n,
          'web',
          '-p',
          `${port}:8080`,
          '--accel',
          'tcg',
          '--json',
        ),
      ),
    );
    const won = runs.filter((r) => r.code === 0);
    expect(won).toHaveLength(1);
    for (const r of runs.filter((x) => x.code !== 0)) {
      expect(JSON.parse(r.stdout).error.code).toBe('PORT_IN_USE');
    }
    const list = JSON.parse((await proc('instance', 'list', '--json')).stdout);
    expect(list.map((i: { name: string }) => i.name)).toEqual(
      [JSON.parse(won[0]!.stdout).name, 'same'].sort(),
    );
    const winner = JSON.parse(won[0]!.stdout).name as string;
    expect((await proc('instance', 'delete', winner)).code).toBe(0);
  });

  it('parallel creates and racing deletes leave consistent state', async () => {
    const names = ['c1', 'c2', 'c3', 'c4'];
    const created = await Promise.all(
      names.map((n) =>
        proc('instance', 'create', '-n', n, 'web', '--accel', 'tcg'),
      ),
    );
    for (const r of created) expect(r.stderr).not.toContain('error');
    const list = await proc('instance', 'list', '--json');
    const infos = JSON.parse(list.stdout) as {
      name: string;
      state: string;
      pid: number;
    }[];
    expect(infos.map((i) => i.name).sort()).toEqual([...names, 'same']);
    expect(infos.every((i) => i.state === 'running')).toBe(true);
    expect(new Set(infos.map((i) => i.pid)).size).toBe(5);

    const paths = resolvePaths(env);
    const ids = await recordedProcesses(paths);
    expect(await stillAlive(ids)).toHaveLength(10);

    // Every instance deleted twice at once: one delete wins each time.
    const deletes = await Promise.all(
      [...names, 'same', ...names, 'same'].map((n) =>
        proc('instance', 'delete', n, '--json'),
      ),
    );
    const ok = deletes.filter((r) => r.code === 0);
    expect(ok).toHaveLength(5);
    for (const r of deletes.filter((d) => d.code !== 0)) {
      expect(JSON.parse(r.stdout).error.code).toBe('INSTANCE_NOT_FOUND');
    }

    expect(
      JSON.parse((await proc('instance', 'list', '--json')).stdout),
    ).toEqual([]);
    expect(await readdir(join(paths.stateDir, 'instances'))).toEqual([]);
    expect(await stillAlive(ids)).toEqual([]);
  });
});
