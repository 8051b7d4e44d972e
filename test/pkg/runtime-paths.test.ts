// The folders a runtime reads code from, found in the image: PHP's
// include_path, a Python venv's site-packages, Debian's dist-packages.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageProgram } from '../../src/pkg/image-program.js';
import { runtimeExtras } from '../../src/pkg/runtime-extras.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'skiff-runtime-paths-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function file(path: string, data: string | Buffer = 'x') {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), data);
}

async function link(path: string, target: string) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await symlink(target, join(root, path));
}

function program(imagePath: string, realImagePath: string): ImageProgram {
  return {
    written: imagePath,
    imagePath,
    realImagePath,
    hostPath: join(root, realImagePath),
    fixedArgs: [],
    defaultArgs: [],
    origin: 'flag',
  };
}

/** An ELF-ish binary holding PHP's compiled include_path string. */
const phpBinary = (includePath: string) =>
  Buffer.concat([
    Buffer.from('\x7fELF junk\0PHP_SAPI\0'),
    Buffer.from(`${includePath}\0DEFAULT\0`),
  ]);

describe("PHP's include_path", () => {
  const debianPhp = () => program('/usr/bin/php', '/usr/bin/php8.2');

  it("carries Debian's /usr/share/php, the compiled default", async () => {
    await file('/usr/bin/php8.2', phpBinary('.:/usr/share/php'));
    await file('/etc/php/8.2/cli/php.ini', ';include_path = ".:/x"\n');
    await file('/usr/share/php/Symfony/Component/Console/autoload.php');
    const x = await runtimeExtras(root, debianPhp());
    expect(x.paths).toContain('/usr/share/php');
    expect(x.paths).not.toContain('/x');
  });

  it('carries what php.ini or conf.d sets instead, when present', async () => {
    await file('/usr/bin/php8.2', phpBinary('.:/usr/share/php'));
    await file('/usr/share/php/Lib.php');
    await file(
      '/etc/php/8.2/cli/conf.d/30-app.ini',
      'include_path = ".:/opt/php-lib:/nowhere"\n',
    );
    await file('/opt/php-lib/Tool.php');
    const x = await runtimeExtras(root, debianPhp());
    expect(x.paths).toContain('/opt/php-lib');
    expect(x.paths).not.toContain('/usr/share/php');
    expect(x.paths).not.toContain('/nowhere');
  });

  it("carries the official image's /usr/local/lib/php", async () => {
    await file('/usr/local/bin/php', phpBinary('.:/usr/local/lib/php'));
    await file('/usr/local/lib/php/PEAR.php');
    await file('/usr/local/etc/php/php.ini-production', 'include_path=/x\n');
    const x = await runtimeExtras(
      root,
      program('/usr/local/bin/php', '/usr/local/bin/php'),
    );
    expect(x.paths).toContain('/usr/local/lib/php');
  });
});

describe("Python's package folders", () => {
  it("carries a venv's site-packages and pyvenv.cfg", async () => {
    await file('/usr/bin/python3.11');
    await link('/usr/bin/python3', 'python3.11');
    await file('/usr/lib/python3.11/os.py');
    await link('/opt/venv/bin/python3', '/usr/bin/python3');
    await file('/opt/venv/pyvenv.cfg', 'home = /usr/bin\n');
    await file('/opt/venv/lib/python3.11/site-packages/app/__init__.py');
    await file('/opt/venv/lib/python3.11/site-packages/_fast.cpython-311.so');
    const x = await runtimeExtras(
      root,
      program('/opt/venv/bin/python3', '/usr/bin/python3.11'),
      { VIRTUAL_ENV: '/opt/venv', PATH: '/opt/venv/bin:/usr/bin' },
    );
    expect(x.paths).toEqual([
      '/usr/lib/python3.11',
      '/opt/venv/pyvenv.cfg',
      '/opt/venv/lib/python3.11/site-packages',
    ]);
    expect(x.modules).toEqual([
      '/opt/venv/lib/python3.11/site-packages/_fast.cpython-311.so',
    ]);
  });

  it("takes the standard library from a --copies venv's home", async () => {
    await file('/opt/venv/bin/python3');
    await file('/opt/venv/pyvenv.cfg', 'home = /usr/local/bin\n');
    await file('/opt/venv/lib/python3.12/site-packages/x.py');
    await file('/usr/local/lib/python3.12/os.py');
    const x = await runtimeExtras(
      root,
      program('/opt/venv/bin/python3', '/opt/venv/bin/python3'),
    );
    expect(x.paths).toEqual([
      '/opt/venv/lib/python3.12',
      '/usr/local/lib/python3.12',
      '/opt/venv/pyvenv.cfg',
      '/opt/venv/lib/python3.12/site-packages',
    ]);
  });

  it("carries Debian's dist-packages and PYTHONPATH", async () => {
    await file('/usr/bin/python3.11');
    await file('/usr/lib/python3.11/os.py');
    await file('/usr/local/lib/python3.11/dist-packages/pipped.py');
    await file('/usr/lib/python3/dist-packages/debs.py');
    await file('/srv/lib/mine.py');
    const x = await runtimeExtras(
      root,
      program('/usr/bin/python3.11', '/usr/bin/python3.11'),
      { PYTHONPATH: '/srv/lib:/missing' },
    );
    expect(x.paths).toEqual([
      '/usr/lib/python3.11',
      '/usr/local/lib/python3.11/dist-packages',
      '/usr/lib/python3/dist-packages',
      '/srv/lib',
    ]);
  });
});
