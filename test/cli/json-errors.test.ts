// With --json even a usage error is one JSON document on stdout.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';

describe('--json usage errors', () => {
  it.each([
    [['--json', 'bogus-command'], "unknown command 'bogus-command'"],
    [['--json', 'build', '--bogus-flag'], "unknown option '--bogus-flag'"],
    [['build', '--json', '--bogus-flag'], "unknown option '--bogus-flag'"],
    [['--json'], 'skiff: which command?'],
    [['--json', 'image'], 'skiff image: which command?'],
  ])('%j', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: { code: 'USAGE', message, hint: expect.any(String) },
    });
  });

  it('says how to pass a value that starts with "-"', async () => {
    const r = await runCli(['--json', 'run', './app', '-a', '-v']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.hint).toBe(
      'give it a value; one that starts with "-" is written --arg=-v',
    );
    const plain = await runCli(['run', './app', '-a', '-v']);
    expect(plain.stderr).toContain('written --arg=-v');
  });

  it('keeps plain output without --json', async () => {
    const r = await runCli(['bogus-command']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown command 'bogus-command'");
  });
});
