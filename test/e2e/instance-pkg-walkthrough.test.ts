// The walkthrough, package first: pkg from-docker (a PHP image in
// a local registry) -> image create --local --package -> instance create
// -> instance list -> instance logs -> instance delete -> image delete,
// with no process and no state left.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { phpImage } from '../fixtures/oci/php-image.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests, skipBootTests } from '../helpers/kernel.js';
import {
  pushImages,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry.js';
import {
  killLeftovers,
  recordedProcesses,
  stillAlive,
  waitFor,
} from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const image = await phpImage();
if (!image)
  skipBootTests('php8.2-cli is not installed', 'apt-get install php-cli');
const app = join(import.meta.dirname, '../fixtures/oci/php-app');

describe.skipIf(!kernel || !image)('walkthrough: package -> instance', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let registry: TestRegistry | undefined;
  let env: Record<string, string>;
  const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });

  beforeAll(async () => {
    home = await tempHome();
    env = {
      ...home.env,
      SKIFF_CACHE_DIR: join(home.dir, 'cache'),
      SKIFF_NANOS_DIR: kernel!,
    };
    registry = await startRegistry();
    if (!registry) return;
    await pushImages(registry, 'php', '8.2', [image!], home.dir);
  });
  afterAll(async () => {
    await killLeftovers(resolvePaths(env));
    await registry?.stop();
    await home.cleanup();
  });

  it('runs the PHP console app as a named instance', async (t) => {
    if (!registry) return t.skip();
    const paths = resolvePaths(env);
    const pkg = await cli(
      'pkg',
      'from-docker',
      `${registry.host}/php:8.2`,
      '--insecure-registry',
      '-n',
      'php82',
    );
    expect(pkg.code).toBe(0);

    const made = await cli(
      'image',
      'create',
      '--local',
      '--package',
      'php82',
      '-c',
      join(app, 'config.json'),
      '--imagename',
      'sf_console',
      '--json',
    );
    expect(made.stderr).not.toMatch(/^error/m);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      name: 'sf_console',
      details: { program: '/usr/bin/php' },
    });

    const created = await cli(
      'instance',
      'create',
      '--instance-name',
      'sf',
      'sf_console',
      '--accel',
      'tcg',
      '--json',
    );
    expect(created.code).toBe(0);
    const listed = JSON.parse((await cli('instance', 'list', '--json')).stdout);
    expect(listed).toEqual([
      expect.objectContaining({ name: 'sf', image: 'sf_console' }),
    ]);

    // The app ends with exit(7): the list shows it once PHP is done.
    const ended = await waitFor(
      async () => {
        const r = await cli('instance', 'list', '--json');
        const i = JSON.parse(r.stdout)[0];
        return i.state === 'stopped' && i.exitCode !== undefined && i;
      },
      90_000,
      'the PHP app to end',
    );
    expect(ended.exitCode).toBe(7);
    const logs = (await cli('instance', 'logs', 'sf')).stdout;
    expect(logs).toContain('argv: /app/main.php first second\n');
    expect(logs).toContain('greeting: hello from pkg load\n');
    expect(logs).toMatch(/php 8\.2\n/);

    const ids = await recordedProcesses(paths);
    expect((await cli('instance', 'delete', 'sf')).code).toBe(0);
    expect((await cli('image', 'delete', 'sf_console')).code).toBe(0);
    expect(await stillAlive(ids)).toEqual([]);
    expect(await readdir(join(paths.stateDir, 'instances'))).toEqual([]);
    expect(await readdir(join(paths.dataDir, 'images'))).toEqual([]);
  });
});
