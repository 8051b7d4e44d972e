import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageProgram } from '../../src/pkg/image-program.js';
import { runtimeExtras } from '../../src/pkg/runtime-extras.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'skiff-extras-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function files(...paths: string[]) {
  for (const p of paths) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), 'x');
  }
}

function program(imagePath: string, realImagePath = imagePath): ImageProgram {
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

describe('runtimeExtras', () => {
  it('finds the official php image layout', async () => {
    await files(
      '/usr/local/bin/php',
      '/usr/local/etc/php/conf.d/docker-php-ext-sodium.ini',
      '/usr/local/lib/php/extensions/no-debug-non-zts-20220829/sodium.so',
      '/usr/share/zoneinfo/Etc/UTC',
      '/etc/ssl/certs/ca-certificates.crt',
    );
    await symlink('Etc/UTC', join(root, 'usr/share/zoneinfo/UTC'));
    const x = await runtimeExtras(root, program('/usr/local/bin/php'));
    expect(x.language).toBe('php');
    expect(x.paths).toEqual([
      '/usr/local/etc/php',
      '/usr/local/lib/php/extensions',
      // PHP's default include_path there: .:/usr/local/lib/php
      '/usr/local/lib/php',
      '/usr/share/zoneinfo/UTC',
      '/etc/ssl/certs/ca-certificates.crt',
    ]);
    expect(x.modules).toEqual([
      '/usr/local/lib/php/extensions/no-debug-non-zts-20220829/sodium.so',
    ]);
  });

  it("finds Debian's php layout by the API-dated folder", async () => {
    await files(
      '/usr/bin/php8.2',
      '/etc/php/8.2/cli/php.ini',
      '/usr/lib/php/20220829/ctype.so',
      '/usr/lib/php/8.2/sapi/cli',
    );
    const x = await runtimeExtras(
      root,
      program('/usr/bin/php', '/usr/bin/php8.2'),
    );
    expect(x.paths).toEqual(['/etc/php', '/usr/lib/php/20220829']);
    expect(x.modules).toEqual(['/usr/lib/php/20220829/ctype.so']);
  });

  it("takes python's versioned lib tree and lib-dynload modules", async () => {
    await files(
      '/usr/local/bin/python3.12',
      '/usr/local/lib/python3.12/os.py',
      '/usr/local/lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so',
      '/usr/local/lib/python3.11/old.py',
    );
    const x = await runtimeExtras(
      root,
      program('/usr/local/bin/python3', '/usr/local/bin/python3.12'),
    );
    expect(x.language).toBe('python');
    expect(x.paths).toEqual(['/usr/local/lib/python3.12']);
    expect(x.modules).toEqual([
      '/usr/local/lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so',
    ]);
  });

  it('adds nothing but a CA bundle for other programs', async () => {
    await files('/usr/bin/app', '/etc/ssl/cert.pem');
    const x = await runtimeExtras(root, program('/usr/bin/app'));
    expect(x).toEqual({ paths: ['/etc/ssl/cert.pem'], modules: [] });
  });
});
