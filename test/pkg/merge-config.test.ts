import { describe, expect, it } from 'vitest';
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
    expect(config.Env).toEqual({ PATH: '/usr/bin', MODE: 'user' });
    expect(config.Dirs).toEqual(['app']);
    expect(config.MapDirs).toEqual({ '/store/php_8.2/extras': '/extras' });
    expect(config.ManifestPassthrough).toEqual({ cwd: '/srv' });
    expect(config.RunConfig).toEqual({ Memory: '1g' });
    expect(config.Version).toBe('8.2');
    expect(notes).toEqual([]);
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
});
