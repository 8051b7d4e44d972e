import { describe, expect, it } from 'vitest';
import { shellCommand } from '../../src/pkg/image-program.js';

describe('shellCommand', () => {
  it.each([
    [['/bin/sh', '-c', 'php -a'], 'php -a'],
    [['sh', '-c', 'echo hi'], 'echo hi'],
    // SHELL ["/bin/bash", "-o", "pipefail", "-c"] in the Dockerfile.
    [['/bin/bash', '-o', 'pipefail', '-c', 'node server.js'], 'node server.js'],
    [['/bin/ash', '-eo', 'pipefail', '-c', 'x'], 'x'],
    [['/usr/bin/dash', '-ec', 'run'], 'run'],
    [['/bin/busybox', 'sh', '-c', 'httpd -f'], 'httpd -f'],
    [['zsh', '-l', '-c', 'x y'], 'x y'],
  ])('finds the command in %j', (argv, want) => {
    expect(shellCommand(argv)).toBe(want);
  });

  it.each([
    [['php', '-c', '/etc/php.ini']],
    [['/bin/sh', 'script.sh', '-c']],
    [['bash', '--', '-c']],
    [['/usr/local/bin/node', 'server.js']],
  ])('leaves the exec form %j alone', (argv) => {
    expect(shellCommand(argv)).toBeUndefined();
  });
});
