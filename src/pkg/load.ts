// Prepares a stored package for `pkg load`: reads its manifest, turns
// ops' "<name>_<ver>/<binary>" program form into an image path inside the
// sysroot, and merges the user's config over it.
import { copyFile, lstat, mkdir } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { UserError } from '../errors.js';
import type { RawConfig } from '../config/types.js';
import { resolveInRoot } from '../elf/rooted-path.js';
import { lookupExecutable } from './image-program.js';
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
    // Links are followed inside the package, never on the host: a
    // package must not pull a host file into the image.
    const src = await resolveInRoot(pkgDir, binary);
    if (!src?.stats.isFile()) {
      throw new UserError(
        'PACKAGE_PROGRAM_MISSING',
        `package ${dirName}: Program ${manifest.Program} names ${binary}, ` +
          (src ? 'which is not a file' : 'which is not in the package'),
        { hint: 'fix Program in package.manifest or re-create the package' },
      );
    }
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(src.hostPath, dest);
  }
  const fixed = { ...manifest, Program: `/${binary}` };
  await writePackageManifest(pkgDir, fixed);
  return fixed;
}

/**
 * When argv[0] names the program through a link (`hl2` -> /usr/bin/hello,
 * `php` -> /usr/bin/php8.2), the program is started through that link,
 * as Docker would exec it. Then the loader sees that Args[0] names the
 * program and keeps it as argv[0] instead of adding the program's path.
 * Returns the link's image path, or undefined when there is none.
 */
async function programLink(
  sysroot: string,
  manifest: RawConfig,
): Promise<string | undefined> {
  const program = manifest.Program!;
  const argv0 = manifest.Args?.[0];
  if (!argv0 || argv0 === program || argv0 === posix.basename(program)) {
    return undefined;
  }
  const cwd = manifest.ManifestPassthrough?.cwd;
  const hit = await lookupExecutable(
    sysroot,
    argv0,
    manifest.Env ?? {},
    typeof cwd === 'string' ? cwd : '/',
  );
  const real = await resolveInRoot(sysroot, program);
  if (!hit || !real || hit.found.realImagePath !== real.realImagePath) {
    return undefined;
  }
  return hit.imagePath;
}

/**
 * Images are x86_64 only (build/pipeline.ts): an arm64 package can be
 * made and stored, but not built into an image nor booted.
 */
export function checkPackageArch(pkg: StoredPackage): void {
  if (pkg.arch === 'amd64') return;
  throw new UserError(
    'PACKAGE_ARCH_UNSUPPORTED',
    `package ${pkg.name}:${pkg.version} is for ${pkg.arch}, and Skiff ` +
      'builds and boots x86_64 (amd64) images only: it cannot boot here',
    {
      hint:
        'make an amd64 package of the same image (skiff pkg from-docker ' +
        `IMAGE --arch amd64), then skiff pkg load ${pkg.name} --arch amd64`,
    },
  );
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
  const link = await programLink(sysroot, manifest);
  return {
    manifest: link ? { ...manifest, Program: link } : manifest,
    sysroot,
  };
}
