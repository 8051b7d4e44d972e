import { describe, expect, it } from 'vitest';
import { configError, validateConfig } from '../../src/config/validate.js';
import { UserError } from '../../src/errors.js';

function problemsOf(value: unknown): UserError {
  try {
    validateConfig(value, 'config.json');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('CONFIG_INVALID');
    return err as UserError;
  }
  throw new Error('expected the config to be rejected');
}

describe('validateConfig', () => {
  it('accepts a full ops-style config', () => {
    const config = {
      Program: 'app',
      Args: ['a'],
      Env: { A: 'b' },
      Dirs: ['static'],
      Files: ['x.txt'],
      MapDirs: { './lib/*': '/lib' },
      BaseVolumeSz: '1g',
      RebootOnExit: 'always',
      Klibs: ['tls'],
      ManifestPassthrough: { expected_exit_code: ['0', '1'], x: { y: 1 } },
      NameServers: ['1.1.1.1'],
      RunConfig: { CPUs: 2, Memory: '1G', Ports: ['80', 8080], Accel: false },
      CloudConfig: {
        Platform: 'gcp',
        ProjectID: 'p',
        Tags: [{ key: 'k', value: 'v', attribute: { image_label: true } }],
        Labels: { team: 'x' },
        ImageTimeoutSeconds: 60,
      },
      Uefi: true,
      Debugflags: ['trace'],
      NoTrace: ['futex'],
      Mounts: { data: '/data' },
      DisableArgsCopy: true,
    };
    const out = validateConfig(config, 'config.json');
    expect(out.RunConfig!.Ports).toEqual(['80', '8080']);
    expect(out.Program).toBe('app');
  });

  it('suggests the closest key for an unknown one', () => {
    const err = problemsOf({ args: ['x'] });
    expect(err.message).toBe(
      'config.json: args: unknown key. Did you mean Args?',
    );
    expect(problemsOf({ Envs: {} }).message).toContain('Did you mean Env?');
    expect(problemsOf({ RunConfig: { Memroy: '1g' } }).message).toContain(
      'RunConfig.Memroy: unknown key. Did you mean Memory?',
    );
  });

  it('lists known keys when nothing is close', () => {
    const err = problemsOf({ RunConfig: { Zzzzzzzz: 1 } });
    expect(err.message).toContain('RunConfig.Zzzzzzzz: unknown key');
    expect(err.message).toContain('CPUs, Memory');
  });

  it('reports every problem at once with dotted paths', () => {
    const err = problemsOf({
      Prgram: 'x',
      Args: 'a b',
      Dirs: ['ok', 3],
      Env: { PORT: 8080 },
      BaseVolumeSz: 'abc',
      RebootOnExit: 'yes',
      RunConfig: { Memory: '2 gigs', CPUs: 1.5, Ports: ['http'] },
      CloudConfig: { Tags: [{ value: 'v' }] },
    });
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('config.json has 10 problems:');
    expect(err.message).toContain('Prgram: unknown key. Did you mean Program?');
    expect(err.message).toContain(
      'Args: expected an array, got the string "a b"',
    );
    expect(err.message).toContain('Dirs[1]: expected a string, got number 3');
    expect(err.message).toContain(
      'Env.PORT: expected a string, got number 8080',
    );
    expect(err.message).toContain('BaseVolumeSz: "abc" is not a size');
    expect(err.message).toContain(
      'RebootOnExit: expected true (reboot on a non-zero exit), false or ' +
        '"always", got the string "yes"',
    );
    expect(err.message).toContain('RunConfig.Memory: "2 gigs" is not a size');
    expect(err.message).toContain(
      'RunConfig.CPUs: expected a whole number, got number 1.5',
    );
    expect(err.message).toContain('RunConfig.Ports[0]: "http" is not a port');
    expect(err.message).toContain('CloudConfig.Tags[0].key: is required');
  });

  it('quotes keys that are paths', () => {
    const err = problemsOf({ MapDirs: { './lib/*': 5 } });
    expect(err.message).toContain('MapDirs["./lib/*"]: expected a string');
  });

  it('says which bound a number breaks', () => {
    expect(problemsOf({ RunConfig: { GdbPort: 0 } }).message).toBe(
      'config.json: RunConfig.GdbPort: must be at least 1, got number 0',
    );
    expect(problemsOf({ Program: '' }).message).toContain(
      'Program: must not be empty',
    );
  });

  it('refuses an empty argument, which Nanos would drop', () => {
    expect(problemsOf({ Args: ['a', '', 'c'] }).message).toBe(
      'config.json: Args[1]: "" cannot be passed: Nanos stores no empty ' +
        'strings, so the argument would vanish and the ones after it ' +
        'shift; drop it or give a value',
    );
  });

  it('names a size too large to hold, with the key', () => {
    expect(problemsOf({ BaseVolumeSz: '99999999t' }).message).toBe(
      'config.json: BaseVolumeSz: "99999999t" is too large: sizes go up ' +
        'to 8 PiB (e.g. "2t" is 2 TiB)',
    );
    expect(() => validateConfig({ BaseVolumeSz: '8000t' }, 'c')).not.toThrow();
  });

  it('takes only IP addresses as name servers', () => {
    expect(() =>
      validateConfig({ NameServers: ['1.1.1.1', '2001:db8::53'] }, 'c'),
    ).not.toThrow();
    const lines = problemsOf({
      NameServers: ['1.2.3.999', 'dns.example', 'nameserver 1.1.1.1\nx'],
    }).message.split('\n');
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual([
      '  - NameServers[0]',
      '  - NameServers[1]',
      '  - NameServers[2]',
    ]);
    expect(lines[1]).toContain('"1.2.3.999" is not an IP address');
  });

  it('refuses an Env name the guest would read as another one', () => {
    const err = problemsOf({ Env: { 'A=B': 'x', '': 'y', OK: '1' } });
    expect(err.message.split('\n').slice(1)).toEqual([
      '  - Env["A=B"]: the name "A=B" is not a variable name: it must be ' +
        'non-empty, with no "=" and no line break',
      '  - Env[""]: the name "" is not a variable name: it must be ' +
        'non-empty, with no "=" and no line break',
    ]);
  });

  it('rejects a top level that is not an object', () => {
    expect(problemsOf([1]).message).toContain('must be a JSON object');
  });
});

describe('configError hints', () => {
  it('points a program missing inside a target root at the root', () => {
    expect(
      configError('c', ['program argument: /app does not exist inside /r'])
        .hint,
    ).toBe(
      'give the program as a path inside the target root, e.g. /usr/bin/php',
    );
    expect(
      configError('c', ['program argument: ./app does not exist']).hint,
    ).toBe('check the program path (relative to the current folder)');
  });
});
