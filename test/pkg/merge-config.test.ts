import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawConfig } from '../../src/config/types.js';
import { mergePackageConfig } from '../../src/pkg/merge-config.js';

describe('mergePackageConfig', () => {
  const pkg = {
    Program: '/usr/bin/php8.2',
    Args: ['/usr/bin/php8.2'],
    Env: { PATH: '/usr/bin', MODE: 'pkg' },
    Version: '8.2',
    ManifestPassthrough: { cwd: '/srv' },
    Dirs: ['extras'],
  };

  it('appends user Args after the package Args; user Env wins', () => {
    const { config, notes } = mergePackageConfig(
      pkg,
      {
        Args: ['/app/main.php', 'x'],
        Env: { MODE: 'user' },
        Dirs: ['app'],
        RunConfig: { Memory: '1g' },
      },
      '/store/php_8.2',
    );
    expect(config.Program).toBe('/usr/bin/php8.2');
    expect(config.Args).toEqual(['/usr/bin/php8.2', '/app/main.php', 'x']);
    expect(config.Env).toEqual({ PATH: '/usr/bin', MODE: 'user', PWD: '/srv' });
    expect(config.Dirs).toEqual(['app']);
    expect(config.MapDirs).toEqual({ '/store/php_8.2/extras': '/extras' });
    expect(config.ManifestPassthrough).toEqual({ cwd: '/srv' });
    expect(config.RunConfig).toEqual({ Memory: '1g' });
    expect(config.Version).toBe('8.2');
    expect(notes).toEqual([]);
  });

  it('lets a user forward to a package guest port replace it', () => {
    const { config } = mergePackageConfig(
      { ...pkg, RunConfig: { Ports: ['80', '443'] } },
      { RunConfig: { Ports: ['9090:80', '8080'] } },
      '/store/php_8.2',
    );
    expect(config.RunConfig?.Ports).toEqual(['443', '9090:80', '8080']);
  });

  it('says when the user Program and TargetRoot are ignored', () => {
    const { config, notes } = mergePackageConfig(
      pkg,
      {
        Program: './mine',
        TargetRoot: '/x',
        ManifestPassthrough: { cwd: '/u' },
      },
      '/p',
    );
    expect(config.Program).toBe('/usr/bin/php8.2');
    expect(config.TargetRoot).toBeUndefined();
    expect(config.ManifestPassthrough).toEqual({ cwd: '/u' });
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('./mine');
  });

  it('ignores package paths outside the package, saying so', () => {
    const { config, notes } = mergePackageConfig(
      {
        Program: '/x',
        Dirs: ['../../etc', 'ok'],
        MapDirs: { '/etc': '/etc', 'lib/*': '/lib' },
      },
      {},
      '/p',
    );
    expect(config.MapDirs).toEqual({ '/p/ok': '/ok', '/p/lib/*': '/lib' });
    expect(notes).toHaveLength(2);
  });

  it("takes a package's Kernel from its folder; yours wins", () => {
    const pkg = { Program: '/x', Kernel: 'kernel.img', Boot: '../boot.img' };
    const own = mergePackageConfig(pkg, {}, '/p');
    expect(own.config.Kernel).toBe('/p/kernel.img');
    expect(own.config.Boot).toBeUndefined();
    expect(own.notes).toEqual([
      'package Boot "../boot.img" is outside the package: ignored',
    ]);
    expect(own.packagePaths.map((p) => p.key)).toEqual(['Kernel']);
    const yours = mergePackageConfig(pkg, { Kernel: 'mine.img' }, '/p');
    expect(yours.config.Kernel).toBe('mine.img');
    expect(yours.packagePaths).toEqual([]);
  });

  it("uses the image's CMD arguments only when the user gives no Args", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-merge-'));
    try {
      await writeFile(join(dir, 'default-args.json'), '["-a"]\n');
      const withArgs = mergePackageConfig(pkg, { Args: ['/app/x.php'] }, dir);
      expect(withArgs.config.Args).toEqual(['/usr/bin/php8.2', '/app/x.php']);
      const without = mergePackageConfig(pkg, {}, dir);
      expect(without.config.Args).toEqual(['/usr/bin/php8.2', '-a']);
      await writeFile(join(dir, 'default-args.json'), '{"a": 1}');
      expect(() => mergePackageConfig(pkg, {}, dir)).toThrow(
        expect.objectContaining({ code: 'PACKAGE_INVALID' }),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the working folder of a package load', () => {
  const fromImage = {
    Program: '/usr/bin/hello',
    Env: { PWD: '/srv' },
    ManifestPassthrough: { cwd: '/srv' },
  };
  const merge = (pkg: RawConfig, user: RawConfig) =>
    mergePackageConfig(pkg, user, '/store/p_1').config;

  it('keeps PWD on the cwd your config sets', () => {
    const config = merge(fromImage, { ManifestPassthrough: { cwd: '/app' } });
    expect(config.ManifestPassthrough).toEqual({ cwd: '/app' });
    expect(config.Env).toEqual({ PWD: '/app' });
  });

  it('moves the cwd to the PWD your Env sets', () => {
    const config = merge(fromImage, { Env: { PWD: '/data' } });
    expect(config.ManifestPassthrough).toEqual({ cwd: '/data' });
    expect(config.Env).toEqual({ PWD: '/data' });
  });

  it('makes a relative cwd of an older package absolute', () => {
    const old = {
      Program: '/usr/bin/hello',
      Env: { PWD: 'rel/dir' },
      ManifestPassthrough: { cwd: 'rel/dir' },
    };
    const config = merge(old, {});
    expect(config.ManifestPassthrough).toEqual({ cwd: '/rel/dir' });
    expect(config.Env).toEqual({ PWD: '/rel/dir' });
  });
});
