// A package's own host paths (Dirs, Files, MapDirs, Kernel, Boot) are
// relative to its folder. They are mapped to absolute paths for the
// merged config, so the user's relative paths keep resolving against
// config.json's folder, and checked with the package named: a problem in
// package.manifest is never blamed on the user's config.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { UserError } from '../errors.js';
import { globToRegExp, hasGlob } from '../config/image-path.js';
import { formatKeyPath } from '../config/validate.js';
import type { RawConfig } from '../config/types.js';
import { resolveInRoot } from '../elf/rooted-path.js';

export interface PackagePath {
  /** The key as package.manifest writes it: Files[0], MapDirs["lib/*"]. */
  key: string;
  written: string;
  hostPath: string;
  kind: 'dir' | 'file' | 'any';
}

export interface MappedPackagePaths {
  /** Host path -> image path, for the merged MapDirs. */
  mapDirs: Record<string, string>;
  kernel?: string;
  boot?: string;
  paths: PackagePath[];
}

/**
 * The package's paths as host paths inside its folder. One that points
 * outside it is left out with a note: a package must not pull host files
 * into the image.
 */
export function mapPackagePaths(
  pkg: RawConfig,
  pkgDir: string,
  notes: string[],
): MappedPackagePaths {
  const out: MappedPackagePaths = { mapDirs: {}, paths: [] };
  const inside = (
    written: string,
    key: (string | number)[],
    kind: PackagePath['kind'],
  ): string | undefined => {
    const rel = posix.normalize(written.replace(/^\/+/, ''));
    const where = formatKeyPath(key);
    const climbs = rel === '..' || rel.startsWith('../');
    if (climbs || (written.startsWith('/') && key[0] === 'MapDirs')) {
      // MapDirs["/etc"] names the path already.
      const shown = key[0] === 'MapDirs' ? where : `${where} "${written}"`;
      notes.push(`package ${shown} is outside the package: ignored`);
      return undefined;
    }
    const hostPath = join(pkgDir, rel);
    out.paths.push({ key: where, written, hostPath, kind });
    return hostPath;
  };
  for (const key of ['Dirs', 'Files'] as const) {
    for (const [i, p] of (pkg[key] ?? []).entries()) {
      const kind = key === 'Dirs' ? 'dir' : 'file';
      const host = inside(p, [key, i], kind);
      if (host) out.mapDirs[host] = posix.resolve('/', p);
    }
  }
  for (const [p, dest] of Object.entries(pkg.MapDirs ?? {})) {
    const host = inside(p, ['MapDirs', p], 'any');
    if (host) out.mapDirs[host] = dest;
  }
  if (pkg.Kernel) out.kernel = inside(pkg.Kernel, ['Kernel'], 'file');
  if (pkg.Boot) out.boot = inside(pkg.Boot, ['Boot'], 'file');
  return out;
}

async function pathProblem(p: PackagePath): Promise<string | undefined> {
  const shown = `${p.key}: "${p.written}"`;
  if (hasGlob(p.written)) {
    const names = await readdir(dirname(p.hostPath)).catch(() => undefined);
    if (!names) return `${shown}: its folder is not in the package`;
    const re = globToRegExp(basename(p.hostPath));
    if (!names.some((n) => re.test(n))) {
      return `${shown} matches nothing in the package`;
    }
    return undefined;
  }
  const st = await stat(p.hostPath).catch(() => undefined);
  if (!st) return `${shown} is not in the package (no ${p.hostPath})`;
  if (p.kind === 'dir' && !st.isDirectory()) return `${shown} is not a folder`;
  if (p.kind === 'file' && !st.isFile()) return `${shown} is not a file`;
  return undefined;
}

export interface PackageToCheck {
  name: string;
  version: string;
  dir: string;
  manifest: RawConfig;
  sysroot: string;
  paths: PackagePath[];
}

/**
 * What package.manifest names must be in the package: its Program in
 * the sysroot, its paths in the folder, its Mounts at image paths (those
 * the user's config does not replace). Throws PACKAGE_INVALID listing
 * every problem, the package named.
 */
export async function checkPackagePaths(
  pkg: PackageToCheck,
  user: RawConfig,
): Promise<void> {
  const problems: string[] = [];
  const program = pkg.manifest.Program;
  if (program) {
    const found = await resolveInRoot(pkg.sysroot, posix.resolve('/', program));
    if (!found?.stats.isFile()) {
      problems.push(
        `Program: ${program} is ${found ? 'not a file' : 'not'} in the ` +
          'package sysroot',
      );
    }
  }
  for (const p of pkg.paths) {
    const problem = await pathProblem(p);
    if (problem) problems.push(problem);
  }
  for (const [id, path] of Object.entries(pkg.manifest.Mounts ?? {})) {
    if (user.Mounts?.[id] === undefined && !path.startsWith('/')) {
      problems.push(`Mounts.${id}: "${path}" is not an absolute image path`);
    }
  }
  if (problems.length === 0) return;
  const source = `package ${pkg.name}:${pkg.version}`;
  throw new UserError(
    'PACKAGE_INVALID',
    problems.length === 1
      ? `${source}: ${problems[0]}`
      : `${source} has ${problems.length} problems:\n` +
          problems.map((p) => `  - ${p}`).join('\n'),
    {
      hint:
        `the package is broken, not your config: fix ` +
        `${join(pkg.dir, 'package.manifest')} or make the package again`,
    },
  );
}
