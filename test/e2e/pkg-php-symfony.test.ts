// The real thing: Debian's Symfony Console in a PHP image made
// from the host's Debian packages, pushed to a local docker-registry,
// turned into a package by `pkg from-docker` with no flags, and booted
// with a console app by `pkg load`. The component comes with the image
// (found through PHP's include_path), the app through Dirs.
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
const image = await phpImage(['php-symfony-console']);
if (!image) {
  skipBootTests(
    'php-cli or php-symfony-console is not installed',
    'apt-get install php-symfony-console',
  );
}
const app = join(import.meta.dirname, '../fixtures/oci/php-symfony-app');

describe.skipIf(!kernel || !image)('pkg load: a Symfony Console app', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let registry: TestRegistry | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
    registry = await startRegistry();
    if (!registry) return;
    await pushImages(registry, 'php-symfony', '8.2-cli', [image!], home.dir);
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    await home.cleanup();
  });

  it('runs the command with its arguments, env and data', async (t) => {
    if (!registry) return t.skip();
    const made = await runCli(
      [
        'pkg',
        'from-docker',
        `${registry.host}/php-symfony:8.2-cli`,
        '--insecure-registry',
        '-n',
        'php82',
      ],
      { env },
    );
    expect(made.code).toBe(0);
    const files = await runCli(['pkg', 'contents', 'php82'], { env });
    expect(files.stdout).toContain(
      '/usr/share/php/Symfony/Component/Console/Application.php',
    );

    const run = await runCli(
      [
        'pkg',
        'load',
        '--local',
        'php82',
        '-c',
        join(app, 'config.json'),
        '--accel',
        'tcg',
        '--timeout',
        '120',
      ],
      { env: { ...env, SKIFF_NANOS_DIR: kernel! } },
    );
    expect(run.stdout).toContain(
      'HELLO GRÜSSE, FROM A NANOS UNIKERNEL\n' +
        'motd: a unikernel ran Symfony Console\n' +
        'console: skiff-demo 1.0\n',
    );
    expect(run.stdout).not.toMatch(/Warning|Fatal|Notice|Deprecated/);
    expect(run.code).toBe(5);
  });
});
