// The whole package story without Docker: a PHP CLI image made from the
// host's Debian packages, pushed to a local docker-registry, turned into
// a package by `pkg from-docker`, then booted with a console app by
// `pkg load` (Args, Env and Dirs from the app's config.json).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests, skipBootTests } from '../helpers/kernel.js';
import {
  pushImages,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry.js';
import { phpImage } from '../fixtures/oci/php-image.js';

const kernel = findKernelForTests();
const image = await phpImage();
if (!image)
  skipBootTests('php8.2-cli is not installed', 'apt-get install php-cli');
const app = join(import.meta.dirname, '../fixtures/oci/php-app');

describe.skipIf(!kernel || !image)('pkg from-docker + pkg load: PHP', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let registry: TestRegistry | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
    registry = await startRegistry();
    if (!registry) return;
    await pushImages(registry, 'php', '8.2', [image!], home.dir);
  });
  afterAll(async () => {
    await registry?.stop();
    await home.cleanup();
  });

  it('makes php82 from the registry and boots it with the app', async (t) => {
    if (!registry) return t.skip();
    const made = await runCli(
      [
        'pkg',
        'from-docker',
        `${registry.host}/php:8.2`,
        '--insecure-registry',
        '-n',
        'php82',
      ],
      { env },
    );
    expect(made.stderr).toContain('using CMD php');
    expect(made.code).toBe(0);
    expect(made.stdout.trim()).toBe(
      join(home.dir, 'data/packages/amd64/php82_8.2'),
    );

    const listed = await runCli(['pkg', 'list', '--local', '--json'], { env });
    const rows = JSON.parse(listed.stdout) as {
      name: string;
      program: string;
    }[];
    expect(rows.map((r) => [r.name, r.program])).toEqual([
      ['php82', '/usr/bin/php8.2'],
    ]);

    const run = await runCli(
      [
        'pkg',
        'load',
        '--local',
        'php82',
        '-c',
        join(app, 'config.json'),
        '--nanos-dir',
        kernel!,
        '--accel',
        'tcg',
        '--timeout',
        '120',
      ],
      { env },
    );
    expect(run.stdout).toContain('argv: /app/main.php first second\n');
    expect(run.stdout).toContain('greeting: hello from pkg load\n');
    expect(run.stdout).toContain('php_version_env: user-wins\n');
    expect(run.stdout).toContain('motd: the package met the app\n');
    expect(run.stdout).toContain('ctype: loaded\n');
    expect(run.stdout).toContain('tz: UTC\n');
    expect(run.stdout).toContain('include: from /usr/share/php/Skiff\n');
    expect(run.stdout).toMatch(/php 8\.2\n/);
    expect(run.stdout).not.toMatch(/Warning|Fatal|Notice/);
    expect(run.code).toBe(7);
  });
});
