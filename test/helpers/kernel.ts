// Finds a Nanos release for boot tests: SKIFF_NANOS_DIR, else Skiff's own
// cache for the pinned version. Without one, boot tests are skipped with a
// clear line, or fail when SKIFF_REQUIRE_BOOT=1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nanosCacheDir, resolvePaths } from '../../src/paths.js';
import { DEFAULT_NANOS_VERSION } from '../../src/nanos/version.js';

export function kernelDir(): string {
  if (process.env.SKIFF_NANOS_DIR) return process.env.SKIFF_NANOS_DIR;
  return nanosCacheDir(resolvePaths(process.env), DEFAULT_NANOS_VERSION);
}

/** The release folder, or undefined (after printing why) to skip. */
export function findKernelForTests(): string | undefined {
  const dir = kernelDir();
  if (
    existsSync(join(dir, 'kernel.img')) &&
    existsSync(join(dir, 'boot.img'))
  ) {
    return dir;
  }
  skipBootTests(`no Nanos kernel at ${dir} (kernel.img, boot.img)`);
  return undefined;
}

/**
 * Boot tests go without something they need (a kernel, a Debian package
 * .ci/run installs): say why they are skipped, or, under
 * SKIFF_REQUIRE_BOOT=1, fail, since then it is a broken set-up.
 */
export function skipBootTests(why: string, fix = ''): void {
  if (process.env.SKIFF_REQUIRE_BOOT === '1') {
    throw new Error(`SKIFF_REQUIRE_BOOT=1 but ${why}`);
  }
  console.log(`skipped: ${why}${fix && ` (${fix})`}`);
}
