// pkg load blames a problem on whoever wrote it: the package's manifest
// (named by the package) or the user's config.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { fakeStaticElf } from '../fixtures/oci/images.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;

async function addPackage(name: string, manifest: object) {
  const dir = join(home.dir, 'src', name);
  await mkdir(join(dir, 'sysroot/usr/bin'), { recursive: true });
  await writeFile(join(dir, 'sysroot/usr/bin/hello'), fakeStaticElf(62), {
    mode: 0o755,
  });
  await writeFile(join(dir, 'package.manifest'), JSON.stringify(manifest));
  const r = await cli('pkg', 'add', dir);
  expect(r.code).toBe(0);
}

beforeAll(async () => {
  home = await tempHome();
  env = home.env;
  await addPackage('evil_1', {
    Program: '/usr/bin/hello',
    Version: '1',
    Files: ['/etc/hostname'],
    Mounts: { data: 'relative' },
  });
  await addPackage('good_1', { Program: '/usr/bin/hello', Version: '1' });
  await writeFile(
    join(home.dir, 'config.json'),
    JSON.stringify({ Args: ['x'], Dirs: ['missing-app'] }),
  );
});
afterAll(() => home.cleanup());

const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });

describe('pkg load problems', () => {
  it("of the package's manifest name the package, not config.json", async () => {
    const r = await cli('pkg', 'load', 'evil', '-c', 'config.json', '--json');
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout) as {
      error: { code: string; message: string; hint: string };
    };
    expect(error.code).toBe('PACKAGE_INVALID');
    expect(error.message).toBe(
      'package evil:1 has 2 problems:\n' +
        `  - Files[0]: "/etc/hostname" is not in the package (no ${join(
          home.dir,
          'data/packages/amd64/evil_1/etc/hostname',
        )})\n` +
        '  - Mounts.data: "relative" is not an absolute image path',
    );
    expect(error.message).not.toContain('config.json');
    expect(error.hint).toContain('evil_1/package.manifest');
  });

  it("of the user's config name config.json", async () => {
    const r = await cli('pkg', 'load', 'good', '-c', 'config.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: ${join(home.dir, 'config.json')}: Dirs[0]: missing-app`,
    );
    expect(r.stderr).not.toContain('package good');
  });
});
