// The Nanos release Skiff pins by default, and what a version may be.
import { UserError } from '../errors.js';

//
// 0.1.54, not newer: 0.1.55 and master drop the first buffer of writev on
// stdout, so musl programs print bare newlines (observed under QEMU; see
// shared/docs/runtime-notes.md).
export const DEFAULT_NANOS_VERSION = '0.1.54';

const VERSION_RE = /^\w[\w.-]*$/;

/** True for a name that can be a release folder (no "/", no leading "."). */
export function isNanosVersion(version: string): boolean {
  return VERSION_RE.test(version);
}

/** Refuses a version that is no folder name in the cache, naming it. */
export function checkNanosVersion(version: string): void {
  if (isNanosVersion(version)) return;
  throw new UserError('BAD_VERSION', `not a Nanos version: "${version}"`, {
    hint:
      'a version is letters, digits, dots, dashes and underscores, e.g. ' +
      DEFAULT_NANOS_VERSION,
  });
}
