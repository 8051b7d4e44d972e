import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { checkHostPortsFree } from '../../src/qemu/ports.js';

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
