// Cloud flags (and cloud-only config keys) given to a command aimed at the
// local target: named in one warning, so a forgotten `-t gcp` does not go
// unnoticed.
import type { ResolvedCloudConfig } from '../config/types.js';
import { joinWords } from '../errors.js';
import type { CliContext } from './context.js';

/** [option key as commander stores it, the flag as the user types it] */
export type CloudFlag = readonly [key: string, flag: string];

export const IMAGE_CLOUD_FLAGS: CloudFlag[] = [
  ['projectid', '-g/--projectid'],
  ['zone', '-z/--zone'],
  ['bucketname', '--bucketname'],
  ['createBucket', '--create-bucket'],
  ['keepUpload', '--keep-upload'],
  ['upload', '--upload'],
];

export const INSTANCE_CLOUD_FLAGS: CloudFlag[] = [
  ['projectid', '-g/--projectid'],
  ['zone', '-z/--zone'],
  ['flavor', '--flavor'],
];

/**
 * CloudConfig keys an instance create uses only on a cloud: a reserved
 * address and IPv6 mean nothing to QEMU's user networking. EnableIPv6
 * false asks for nothing, so it is not named.
 */
export function cloudOnlyInstanceKeys(cloud: ResolvedCloudConfig): string[] {
  return [
    ...(cloud.staticIp !== undefined ? ['CloudConfig.StaticIP'] : []),
    ...(cloud.enableIpv6 === true ? ['CloudConfig.EnableIPv6'] : []),
  ];
}

/** Names the `flags` given, then `keys`, in one warning on qemu. */
export function warnCloudOnlyFlags(
  ctx: CliContext,
  target: string,
  opts: Record<string, unknown>,
  flags: CloudFlag[],
  keys: string[] = [],
): void {
  if (target !== 'qemu') return;
  const given = flags.filter(([key]) => opts[key] !== undefined);
  const names = [...given.map(([, flag]) => flag), ...keys];
  if (names.length === 0) return;
  ctx.logger.warn(
    `${joinWords(names)} ${names.length === 1 ? 'is' : 'are'} for -t gcp and -t aws; ` +
      'a local (qemu) target ignores ' +
      (names.length === 1 ? 'it' : 'them'),
  );
}
