// A package of an image with a /tmp folder: the folder is kept (mode
// 1777), and the guest has room to write there without BaseVolumeSz:
// Python's tempfile finds /tmp and writes a few MiB into it.
import { mkdir, writeFile } from 'node:fs/promises';
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

const SCRIPT = `import os, sys, tempfile
print("tmp:", tempfile.gettempdir())
with tempfile.NamedTemporaryFile(delete=False) as f:
    f.write(b"x" * (4 << 20))
print("wrote:", os.path.getsize(f.name), "in", os.path.dirname(f.name))
sys.exit(7)
`;

describe.skipIf(!kernel || !image)('a package writing temp files', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
    const withTmp = {
      ...image!,
      layers: [
        ...image!.layers,
        [{ type: 'dir' as const, path: 'tmp', mode: 0o1777 }],
      ],
    };
    await writeOciLayout(join(home.dir, 'layout'), '3.11', [withTmp]);
    await mkdir(join(home.dir, 'app/app'), { recursive: true });
    await writeFile(join(home.dir, 'app/app/tmp.py'), SCRIPT);
    await writeFile(
      join(home.dir, 'app/config.json'),
      JSON.stringify({ Dirs: ['app'], Args: ['/app/tmp.py'] }),
    );
  });
  afterAll(() => home.cleanup());

  it('finds /tmp and has room to write there', async () => {
    const layout = `oci:${join(home.dir, 'layout')}:3.11`;
    const made = await runCli(['pkg', 'from-docker', layout, '-n', 'py'], {
      env,
    });
    expect(made.code).toBe(0);
    const run = await runCli(
      [
        'pkg',
        'load',
        'py',
        '-c',
        join(home.dir, 'app/config.json'),
        '--nanos-dir',
        kernel!,
        '--accel',
        'tcg',
        '--timeout',
        '120',
      ],
      { env },
    );
    expect(run.stdout).toContain('tmp: /tmp\n');
    expect(run.stdout).toContain(`wrote: ${4 << 20} in /tmp\n`);
    expect(run.code).toBe(7);
  });
});
