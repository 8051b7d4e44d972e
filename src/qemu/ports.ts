// Checks that forwarded host ports are free before QEMU starts, so a taken
// port is a clear error instead of a QEMU failure after the build.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { PortForward } from '../config/types.js';
import { errnoCode, UserError } from '../errors.js';
import { resolvePublishAddress } from './publish-address.js';

function tryTcp(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(errnoCode(err) ?? String(err)));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(undefined));
    });
  });
}

function tryUdp(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', (err) => {
      socket.close();
      resolve(errnoCode(err) ?? String(err));
    });
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.close(() => resolve(undefined));
    });
  });
}

/**
 * How to pick another host port: `-p` where the command has it, else
 * (instance start) by creating the instance again.
 */
export function remapHint(guestPort: number | string, canRemap = true): string {
  return canRemap
    ? `map another host port: -p <free>:${guestPort}`
    : `delete the instance and create it again with -p <free>:${guestPort}`;
}

/**
 * Each forward is one `hostfwd=` entry in QEMU's single `-netdev` option,
 * and Linux caps one argument at 128 KiB (MAX_ARG_STRLEN): past about
 * 3000 entries the spawn fails with E2BIG. QEMU 7.2 itself sets up 3500
 * in well under a second, one listening socket each.
 */
export const MAX_FORWARDED_PORTS = 2048;

function spanOf(ports: PortForward[], protocol: 'tcp' | 'udp'): string[] {
  const hosts = ports.filter((p) => p.protocol === protocol);
  if (hosts.length === 0) return [];
  const numbers = hosts.map((p) => p.hostPort);
  return [`${protocol} ${Math.min(...numbers)}-${Math.max(...numbers)}`];
}

/** Refuses more forwards than QEMU's command line can carry. */
export function checkForwardCount(ports: PortForward[]): void {
  if (ports.length <= MAX_FORWARDED_PORTS) return;
  const span = [...spanOf(ports, 'tcp'), ...spanOf(ports, 'udp')].join(', ');
  throw new UserError(
    'TOO_MANY_PORTS',
    `${ports.length} forwarded ports (${span}): QEMU's user networking ` +
      `takes at most ${MAX_FORWARDED_PORTS}, one forwarding rule each`,
    {
      hint:
        `forward at most ${MAX_FORWARDED_PORTS} ports with -p or ` +
        'RunConfig.Ports (a smaller range)',
    },
  );
}

/**
 * Binds each host port once and releases it. Throws a UserError naming
 * the first taken port. `host` is where QEMU will listen (0.0.0.0 for
 * every interface). `canRemap`: the command takes -p.
 */
export async function checkHostPortsFree(
  ports: PortForward[],
  host = '0.0.0.0',
  canRemap = true,
): Promise<void> {
  resolvePublishAddress(host);
  checkForwardCount(ports);
  for (const p of ports) {
    const code =
      p.protocol === 'tcp'
        ? await tryTcp(p.hostPort, host)
        : await tryUdp(p.hostPort, host);
    if (code === undefined) continue;
    const what = `${p.protocol} port ${p.hostPort} on ${host}`;
    if (code === 'EADDRINUSE') {
      throw new UserError('PORT_IN_USE', `host ${what} is already in use`, {
        hint:
          `stop what listens there (\`ss -ltnup | grep :${p.hostPort}\`) ` +
          `or ${remapHint(p.guestPort, canRemap)}`,
      });
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new UserError(
        'PUBLISH_ADDR_INVALID',
        `cannot forward host ${what}: ${host} is not an address of this host`,
        {
          hint:
            '--publish-addr takes 127.0.0.1, 0.0.0.0 or an address ' +
            '`ip addr` lists',
        },
      );
    }
    throw new UserError(
      'PORT_UNAVAILABLE',
      `cannot bind host ${what} (${code})`,
      {
        hint:
          code === 'EACCES'
            ? 'ports below 1024 need root: map a higher host port'
            : `check the host port (-p) and --publish-addr`,
      },
    );
  }
}
