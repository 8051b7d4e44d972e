// package.manifest: the same schema as config.json (strict), read and
// written with a temp-file rename.
import { rename, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UserError } from '../errors.js';
import { readConfigFile } from '../config/read.js';
import type { RawConfig } from '../config/types.js';

export const MANIFEST_FILE = 'package.manifest';
export const SYSROOT_DIR = 'sysroot';

export function readPackageManifest(pkgDir: string): Promise<RawConfig> {
  return readConfigFile(join(pkgDir, MANIFEST_FILE));
}

export async function writePackageManifest(
  pkgDir: string,
  manifest: RawConfig,
): Promise<void> {
  const path = join(pkgDir, MANIFEST_FILE);
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, path);
}

/**
 * ops' published packages name the program "<name>_<ver>/<binary>": the
 * binary sits at the package root and goes to "/<binary>" in the image.
 * Returns the binary's path in the package for that form, undefined for
 * an image path.
 */
export function opsProgramBinary(
  program: string | undefined,
  dirName: string,
): string | undefined {
  if (!program || program.startsWith('/')) return undefined;
  const rest = program.startsWith(`${dirName}/`)
    ? program.slice(dirName.length + 1)
    : program.split('/').pop()!;
  const binary = posix.normalize(rest);
  if (binary === '..' || binary.startsWith('../') || binary === '.') {
    throw new UserError(
      'PACKAGE_PROGRAM_INVALID',
      `package ${dirName}: Program "${program}" points outside the package`,
      { hint: 'Program is "<name>_<version>/<binary>" or an image path' },
    );
  }
  return binary;
}
