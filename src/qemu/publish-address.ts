// --publish-addr: the host address QEMU's forwarded ports listen on. QEMU's
// user networking (slirp hostfwd) parses it with inet_aton: an IPv4
// literal only; `::1` or a host name fail in QEMU as "Invalid host
// forwarding rule" (QEMU 7.2), after the image was built.
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../errors.js';

const HINT =
  'give an IPv4 address: --publish-addr 127.0.0.1 (this host only) or ' +
  '0.0.0.0 (every interface, the default)';

/**
 * The address as QEMU's hostfwd takes it ('' for every interface), or a
 * UserError naming the value. `value` is the flag's, when given.
 */
export function resolvePublishAddress(value: string | undefined): string {
  if (value === undefined) return '';
  if (isIPv4(value)) return value;
  if (isIPv6(value.replace(/^\[(.*)\]$/, '$1'))) {
    throw new UserError(
      'PUBLISH_ADDR_INVALID',
      `--publish-addr ${JSON.stringify(value)}: IPv6 is not supported by ` +
        "QEMU's user networking, whose port forwards listen on IPv4 only",
      { hint: HINT },
    );
  }
  throw new UserError(
    'PUBLISH_ADDR_INVALID',
    `--publish-addr ${JSON.stringify(value)}: not an IPv4 address ` +
      "(QEMU's port forwards take no host names)",
    { hint: HINT },
  );
}
