// Prepares a stored package for `pkg load`: reads its manifest, turns
// ops' "<name>_<ver>/<binary>" program form into an image path inside the
// sysroot, and merges the user's config over it.
import { copyFile, lstat, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { RawConfig } from '../config/types.js';
import {
  opsProgramBinary,
  readPackageManifest,
  SYSROOT_DIR,
  writePackageManifest,
} from './manifest-file.js';
import type { StoredPackage } from './store.js';

export interface LoadablePackage {
  manifest: RawConfig;
  sysroot: string;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * ops packages keep the binary at the package root and name it
 * "<name>_<ver>/<binary>"; it goes to "/<binary>". The binary is copied
 * into the sysroot once and the manifest rewritten to that image path.
 */
export async function normalizeOpsLayout(
  pkgDir: string,
  dirName: string,
  manifest: RawConfig,
): Promise<RawConfig> {
  const binary = opsProgramBinary(manifest.Program, dirName);
  if (binary === undefined) return manifest;
  const sysroot = join(pkgDir, SYSROOT_DIR);
  const dest = join(sysroot, binary);
  if (!(await exists(dest))) {
    const src = join(pkgDir, binary);
    if (!(await exists(src))) {
      throw new UserError(
        'PACKAGE_PROGRAM_MISSING',
        `package ${dirName}: Program ${manifest.Program} names ${src}, which does not exist`,
        { hint: 'fix Program in package.manifest or re-create the package' },
      );
    }
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(src, dest);
  }
  const fixed = { ...manifest, Program: `/${binary}` };
  await writePackageManifest(pkgDir, fixed);
  return fixed;
}

export async function preparePackage(
  pkg: StoredPackage,
): Promise<LoadablePackage> {
  const manifest = await normalizeOpsLayout(
    pkg.dir,
    pkg.dirName,
    await readPackageManifest(pkg.dir),
  );
  if (!manifest.Program) {
    throw new UserError(
      'PACKAGE_NO_PROGRAM',
      `package ${pkg.dirName} has no Program in package.manifest`,
      { hint: "set Program to the executable's image path" },
    );
  }
  const sysroot = join(pkg.dir, SYSROOT_DIR);
  if (!(await exists(sysroot))) await mkdir(sysroot);
  return { manifest, sysroot };
}
