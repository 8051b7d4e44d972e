// Python from an OCI layout (no registry, no Docker): pkg from-docker
// finds the program from CMD, copies lib/python3.11 with its lib-dynload
// modules, and pkg load boots it with a script from Dirs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { findKernelForTests, skipBootTests } from '../helpers/kernel.js';
import { pythonImage } from '../fixtures/oci/python-image.js';

const kernel = findKernelForTests();
const image = pythonImage();
if (!image)
  skipBootTests('python3.11 is not installed', 'apt-get install python3');
const app = join(import.meta.dirname, '../fixtures/oci/python-app');

describe.skipIf(!kernel || !image)('pkg from-docker + pkg load: Python', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
    await writeOciLayout(join(home.dir, 'layout'), '3.11', [image!]);
  });
  afterAll(() => home.cleanup());

  it('boots python3 with the app', async () => {
    const made = await runCli(
      [
        'pkg',
        'from-docker',
        `oci:${join(home.dir, 'layout')}:3.11`,
        '-n',
        'py',
      ],
      { env },
    );
    expect(made.code).toBe(0);
    const run = await runCli(
      [
        'pkg',
        'load',
        'py',
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
    expect(run.stdout).toContain('argv: /app/main.py alpha\n');
    expect(run.stdout).toContain('greeting: hello from python\n');
    expect(run.stdout).toContain('cwd: /srv\n');
    expect(run.stdout).toContain('json: {"ok": true}\n');
    expect(run.stdout).toContain('sha256: ');
    expect(run.stdout).toContain('prefix: /opt/venv\n');
    expect(run.stdout).toContain('venv module: venv\n');
    expect(run.stdout).toContain('python 3.11\n');
    expect(run.stdout).not.toMatch(/Could not find|Fatal Python error/);
    expect(run.code).toBe(5);
  });
});
