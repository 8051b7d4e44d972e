import { describe, expect, it } from 'vitest';
import { applyFlags, parseEnvFlags } from '../../src/config/flags.js';
import { resolveRunConfig } from '../../src/config/resolve-run.js';
import type { RawConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';

const base: RawConfig = {
  Args: ['one'],
  Env: { A: 'config', B: 'kept' },
  Klibs: ['tls'],
  RunConfig: { Ports: ['80'], Memory: '1g' },
};

describe('applyFlags', () => {
  it('appends -a to config Args (ops#952)', () => {
    expect(applyFlags(base, { args: ['x'] }).Args).toEqual(['one', 'x']);
  });

  it('replaces Args with argsReplace', () => {
    expect(applyFlags(base, { args: ['x'], argsReplace: true }).Args).toEqual([
      'x',
    ]);
    expect(applyFlags(base, { argsReplace: true }).Args).toEqual([]);
  });

  it('splits -e on the first "=" only and overrides config Env', () => {
    const out = applyFlags(base, { env: ['A=b=c', 'C='] });
    expect(out.Env).toEqual({ A: 'b=c', B: 'kept', C: '' });
  });

  it('rejects -e without "=" naming it', () => {
    const err = (() => {
      try {
        parseEnvFlags(['DEBUG']);
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.code).toBe('FLAG_INVALID');
    expect(err!.message).toBe('-e DEBUG: expected NAME=value');
    expect(err!.hint).toBe('write -e DEBUG=value');
    expect(() => applyFlags(base, { env: ['=x'] })).toThrow('-e =x');
  });

  it('appends ports and klibs, without duplicate klibs', () => {
    const out = applyFlags(base, {
      ports: ['8080:81', '53/udp'],
      klibs: ['tls', 'ntp'],
    });
    expect(out.RunConfig!.Ports).toEqual(['80', '8080:81', '53/udp']);
    expect(out.Klibs).toEqual(['tls', 'ntp']);
  });

  it('lets -p replace the config port to the same guest port', () => {
    const run = { Ports: ['8080', '9000'], UDPPorts: ['8080'] };
    const out = applyFlags({ RunConfig: run }, { ports: ['9090:8080'] });
    expect(out.RunConfig!.Ports).toEqual(['9000', '9090:8080']);
    // Another protocol is another port.
    expect(out.RunConfig!.UDPPorts).toEqual(['8080']);
    expect(resolveRunConfig(out.RunConfig).ports).toEqual([
      { protocol: 'tcp', hostPort: 9000, guestPort: 9000 },
      { protocol: 'tcp', hostPort: 9090, guestPort: 8080 },
      { protocol: 'udp', hostPort: 8080, guestPort: 8080 },
    ]);
  });

  it('takes one port out of a config range or list', () => {
    const run = { Ports: ['8000-8002', '7000,53/udp'], UDPPorts: ['54'] };
    const out = applyFlags(
      { RunConfig: run },
      { ports: ['9001:8001', '5353:53/udp', '5454:54/udp'] },
    );
    expect(out.RunConfig!.Ports).toEqual([
      '8000:8000/tcp',
      '8002:8002/tcp',
      '7000:7000/tcp',
      '9001:8001',
      '5353:53/udp',
      '5454:54/udp',
    ]);
    expect(out.RunConfig!.UDPPorts).toEqual([]);
  });

  it('rejects an empty -a, which Nanos would drop', () => {
    const err = (() => {
      try {
        applyFlags(base, { args: ['', 'after'] });
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.code).toBe('FLAG_INVALID');
    expect(err!.message).toBe('-a "": Nanos cannot pass an empty argument');
    expect(err!.hint).toBe('drop the empty -a, or give it a value');
  });

  it('rejects a bad -p, -m or --smp naming the flag', () => {
    expect(() => applyFlags(base, { ports: ['http'] })).toThrow('-p http');
    expect(() => applyFlags(base, { memory: 'lots' })).toThrow(
      '-m/--memory: "lots" is not a size',
    );
    expect(() => applyFlags(base, { cpus: 0 })).toThrow('--smp 0');
  });

  it('overrides single values', () => {
    const out = applyFlags(base, {
      memory: '2g',
      cpus: 4,
      accel: 'tcg',
      nanosVersion: '0.1.54',
      uefi: true,
      targetRoot: '/srv/root',
      target: 'gcp',
      imageName: 'web',
      baseVolumeSize: '1g',
      rebootOnExit: 'always',
    });
    expect(out).toMatchObject({
      NanosVersion: '0.1.54',
      Uefi: true,
      TargetRoot: '/srv/root',
      BaseVolumeSz: '1g',
      RebootOnExit: 'always',
      RunConfig: { Memory: '2g', CPUs: 4, Accel: 'tcg', Ports: ['80'] },
      CloudConfig: { Platform: 'gcp', ImageName: 'web' },
    });
    expect(applyFlags(base, { rebootOnExit: 'on-failure' }).RebootOnExit).toBe(
      true,
    );
    expect(applyFlags(base, { rebootOnExit: false }).RebootOnExit).toBe(false);
  });

  it('leaves the input alone and keeps keys without flags', () => {
    const copy = structuredClone(base);
    const out = applyFlags(base, { args: ['x'], ports: ['1'] });
    expect(base).toEqual(copy);
    expect(applyFlags(base, {})).toEqual(base);
    expect(out.Env).toEqual(base.Env);
  });
});
