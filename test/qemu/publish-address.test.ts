// --publish-addr is checked before anything is built: QEMU's hostfwd takes
// an IPv4 literal only, and a host name is no port problem.
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { checkHostPortsFree } from '../../src/qemu/ports.js';
import { resolvePublishAddress } from '../../src/qemu/publish-address.js';
import { runCli } from '../helpers/cli-run.js';

function failure(fn: () => unknown): SkiffError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SkiffError);
    return err as SkiffError;
  }
  throw new Error('expected an error');
}

describe('resolvePublishAddress', () => {
  it('takes IPv4 addresses, and nothing for every interface', () => {
    expect(resolvePublishAddress(undefined)).toBe('');
    expect(resolvePublishAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(resolvePublishAddress('0.0.0.0')).toBe('0.0.0.0');
  });

  it.each(['::1', '[::1]', 'fe80::1'])('says %s is IPv6', (addr) => {
    const err = failure(() => resolvePublishAddress(addr));
    expect(err.code).toBe('PUBLISH_ADDR_INVALID');
    expect(err.message).toContain(`--publish-addr "${addr}"`);
    expect(err.message).toContain("IPv6 is not supported by QEMU's user");
    expect(err.hint).toContain('--publish-addr 127.0.0.1');
  });

  it.each(['foo', 'localhost', '', '127.0.0.256'])(
    'says %j is not an IPv4 address',
    (addr) => {
      const err = failure(() => resolvePublishAddress(addr));
      expect(err.code).toBe('PUBLISH_ADDR_INVALID');
      expect(err.message).toContain('not an IPv4 address');
      expect(err.hint).toContain('--publish-addr');
    },
  );

  it('makes the port check blame the address, not the port', async () => {
    const ports = [{ protocol: 'tcp' as const, hostPort: 18097, guestPort: 1 }];
    const err = await checkHostPortsFree(ports, 'foo').catch((e) => e);
    expect(err).toMatchObject({ code: 'PUBLISH_ADDR_INVALID' });
  });
});

describe('--publish-addr on the command line', () => {
  it.each(['run /bin/true', 'instance create web'])(
    'is refused up front by %s',
    async (command) => {
      const r = await runCli(
        [
          '--json',
          ...command.split(' '),
          '-p',
          '18097',
          '--publish-addr',
          '::1',
        ],
        { env: { SKIFF_HOME: '/nonexistent/skiff-home' } },
      );
      expect(r.code).toBe(1);
      const { error } = JSON.parse(r.stdout) as { error: { code: string } };
      expect(error.code).toBe('PUBLISH_ADDR_INVALID');
    },
  );
});
