// Region and availability zone from CloudConfig.Zone. ops trimmed trailing
// a/b/c characters, so zones ending in d, e or f became invalid regions
// (ops-reference.md §8); here the region is the leading region pattern.
import { UserError } from '../../src/errors.js';
import type { Env } from '../../src/paths.js';

/** `us-east-1`, `us-gov-west-1`, `ap-southeast-2`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
/** A region, then a zone letter (`us-east-1d`) or a local/wavelength zone
 * suffix (`us-west-2-lax-1a`, `us-east-1-wl1-bos-wlz-1`). */
const ZONE = /^([a-z]{2}(?:-[a-z]+)+-\d+)(?:[a-z]+|-[a-z0-9-]+)$/;

export interface ResolvedLocation {
  /** Undefined: left to the SDK's own settings (profile, ~/.aws/config). */
  region: string | undefined;
  /** Set when CloudConfig.Zone named a zone rather than a region. */
  availabilityZone: string | undefined;
}

/** Splits a zone or region name; throws a UserError for anything else. */
export function parseZone(zone: string): ResolvedLocation {
  const value = zone.trim().toLowerCase();
  if (REGION.test(value)) {
    return { region: value, availabilityZone: undefined };
  }
  const match = ZONE.exec(value);
  if (match) return { region: match[1], availabilityZone: value };
  throw new UserError(
    'AWS_ZONE_INVALID',
    `CloudConfig.Zone "${zone}" is neither an AWS region nor a zone`,
    {
      hint:
        'set CloudConfig.Zone to a region such as us-east-1 or a zone ' +
        'such as us-east-1a',
    },
  );
}

/**
 * CloudConfig.Zone wins; otherwise AWS_REGION / AWS_DEFAULT_REGION from the
 * environment given; otherwise the SDK resolves it from the profile.
 */
export function resolveLocation(
  zone: string | undefined,
  env: Env,
): ResolvedLocation {
  if (zone && zone.trim() !== '') return parseZone(zone);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  return { region, availabilityZone: undefined };
}
