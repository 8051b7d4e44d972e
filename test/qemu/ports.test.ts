import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { buildQemuArgv } from '../../src/qemu/argv.js';
import {
  checkForwardCount,
  checkHostPortsFree,
  MAX_FORWARDED_PORTS,
} from '../../src/qemu/ports.js';
import { runCli } from '../helpers/cli-run.js';

describe('checkHostPortsFree', () => {
  it('names a taken tcp port and how to pick another', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const err = (await checkHostPortsFree([
        { protocol: 'tcp', hostPort: port, guestPort: 80 },
      ]).catch((e) => e)) as SkiffError;
      expect(err.code).toBe('PORT_IN_USE');
      expect(err.message).toContain(`tcp port ${port}`);
      expect(err.hint).toContain(':80');
    } finally {
      server.close();
    }
  });

  it('names a taken udp port', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '0.0.0.0', r));
    const port = sock.address().port;
    try {
      const err = (await checkHostPortsFree([
        { protocol: 'udp', hostPort: port, guestPort: 53 },
      ]).catch((e) => e)) as SkiffError;
      expect(err.code).toBe('PORT_IN_USE');
      expect(err.message).toContain(`udp port ${port}`);
    } finally {
      sock.close();
    }
  });

  it('passes free ports and releases them', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await checkHostPortsFree([
      { protocol: 'tcp', hostPort: port, guestPort: 1 },
      { protocol: 'udp', hostPort: port, guestPort: 1 },
    ]);
    await checkHostPortsFree([
      { protocol: 'tcp', hostPort: port, guestPort: 1 },
    ]);
  });
});

describe('checkForwardCount', () => {
  const range = (from: number, count: number, protocol: 'tcp' | 'udp') =>
    Array.from({ length: count }, (_, i) => ({
      protocol,
      hostPort: from + i,
      guestPort: from + i,
    }));

  it('refuses more forwards than one QEMU argument can carry', () => {
    let err: unknown;
    try {
      checkForwardCount(range(20000, 10000, 'tcp'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SkiffError);
    expect(err).toMatchObject({ code: 'TOO_MANY_PORTS' });
    const { message, hint } = err as SkiffError;
    expect(message).toContain('10000 forwarded ports (tcp 20000-29999)');
    expect(hint).toContain(`at most ${MAX_FORWARDED_PORTS} ports with -p`);
  });

  it('lets the longest allowed -netdev through exec (128 KiB)', () => {
    const ports = range(
      65536 - MAX_FORWARDED_PORTS,
      MAX_FORWARDED_PORTS,
      'udp',
    );
    expect(() => checkForwardCount(ports)).not.toThrow();
    const argv = buildQemuArgv({
      imagePath: '/x.img',
      memoryBytes: 1 << 28,
      cpus: 1,
      accel: 'tcg',
      ports,
      publishAddress: '255.255.255.255',
      serial: { kind: 'none' },
    });
    const netdev = argv[argv.indexOf('-netdev') + 1]!;
    expect(Buffer.byteLength(netdev) + 1).toBeLessThan(128 * 1024);
  });
});

describe('run -p with a huge range', () => {
  it('is refused before anything is built', async () => {
    const r = await runCli(
      ['--json', 'run', '/bin/true', '-p', '20000-29999'],
      {
        env: {
          SKIFF_HOME: '/nonexistent/skiff',
          SKIFF_NANOS_DIR: '/nonexistent',
        },
      },
    );
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout) as { error: { code: string } };
    expect(error.code).toBe('TOO_MANY_PORTS');
  });
});
