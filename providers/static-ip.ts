// CloudConfig.StaticIP on GCP and AWS: a reserved public IPv4 address,
// checked for form before any cloud client is built or called.
import { isIPv4 } from 'node:net';
import { UserError } from '../src/errors.js';

/**
 * Throws a UserError naming the key and the value unless `value` is an
 * IPv4 address; `hint` says how the target reserves one.
 */
export function checkStaticIp(value: string, hint: string): void {
  if (isIPv4(value)) return;
  throw new UserError(
    'STATIC_IP_INVALID',
    `CloudConfig.StaticIP ${JSON.stringify(value)} is not an IPv4 address`,
    { hint },
  );
}
