// Which config.json keys an `instance create -c` can apply. An instance
// runs an image that is already built: the program, its arguments, its
// environment and its files are in the image's manifest and file system,
// so only how it is run (RunConfig, CloudConfig) can change.
import type { RawConfig } from '../config/types.js';
import type { TargetName } from '../../providers/types.js';

/** Keys that change how an instance runs, per target. */
const INSTANCE_KEYS = new Set<string>(['RunConfig', 'CloudConfig']);

/** Descriptive keys that change nothing anywhere. */
const INERT_KEYS = new Set<string>(['Version', 'Language', 'Description']);

/** RunConfig keys the build writes into the manifest (ipaddr, ...). */
const MANIFEST_RUN_KEYS = ['IPAddress', 'IPv6Address', 'NetMask', 'Gateway'];

/**
 * The keys of `raw` that are built into the image and so have no effect
 * on a new instance. `BaseVolumeSz` sizes a cloud instance's disk; a
 * local instance runs on a copy of the image's disk, sized at build.
 */
export function imageOnlyKeys(raw: RawConfig, target: TargetName): string[] {
  const top = Object.keys(raw).filter(
    (key) =>
      !INSTANCE_KEYS.has(key) &&
      !INERT_KEYS.has(key) &&
      !(key === 'BaseVolumeSz' && target !== 'qemu'),
  );
  const run = Object.keys(raw.RunConfig ?? {})
    .filter((key) => MANIFEST_RUN_KEYS.includes(key))
    .map((key) => `RunConfig.${key}`);
  return [...top, ...run];
}
