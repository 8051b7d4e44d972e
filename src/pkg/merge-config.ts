// How a package's manifest and the user's config.json combine for
// `pkg load` (docs/packages.md): the package gives the program; user Env,
// ManifestPassthrough, RunConfig and scalars win; Args are the package's
// followed by the user's (or, when the user gives none, by the image's
// CMD defaults); lists are joined.
import { posix } from 'node:path';
import {
  guestPortKey,
  parsePortSpec,
  withoutGuestPorts,
} from '../config/ports.js';
import type { RawConfig } from '../config/types.js';
import { readDefaultArgs } from './default-args.js';
import { mapPackagePaths, type PackagePath } from './package-paths.js';

export interface MergedConfig {
  config: RawConfig;
  /** Things the user set that a package load ignores. */
  notes: string[];
  /** The package's own paths, to check with the package named. */
  packagePaths: PackagePath[];
}

function joinLists(a?: string[], b?: string[]): string[] | undefined {
  if (!a?.length && !b?.length) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

/**
 * The package's forwards, less those to a guest port the user forwards
 * too: `-p 9090:80` moves a package's "80" rather than adding to it.
 */
function packagePortsKept(
  pkg: readonly (string | number)[] | undefined,
  user: readonly (string | number)[] | undefined,
): string[] | undefined {
  if (!pkg?.length || !user?.length) return pkg?.map(String);
  const replaced = new Set(
    user.flatMap((spec) => {
      try {
        return parsePortSpec(spec).map(guestPortKey);
      } catch {
        return []; // reported when the merged config is validated
      }
    }),
  );
  return withoutGuestPorts(pkg, 'tcp', replaced);
}

/**
 * The program starts in ManifestPassthrough.cwd and sees Env.PWD: the
 * two must agree whoever sets them. Your cwd sets PWD (unless your Env
 * sets PWD too); your PWD alone moves the package's cwd; an absolute
 * path either way, as Nanos takes a relative cwd from "/".
 */
function syncWorkDir(
  passthrough: Record<string, unknown>,
  env: Record<string, string>,
  user: RawConfig,
): void {
  const userPwd = user.Env?.PWD;
  if (
    user.ManifestPassthrough?.cwd === undefined &&
    userPwd !== undefined &&
    passthrough.cwd !== undefined
  ) {
    passthrough.cwd = userPwd;
  }
  const cwd = passthrough.cwd;
  if (typeof cwd !== 'string') return;
  passthrough.cwd = posix.resolve('/', cwd);
  if (userPwd === undefined) env.PWD = passthrough.cwd as string;
}

export function mergePackageConfig(
  pkg: RawConfig,
  user: RawConfig,
  pkgDir: string,
): MergedConfig {
  const notes: string[] = [];
  if (user.Program !== undefined && user.Program !== pkg.Program) {
    notes.push(
      `Program ${user.Program} in the config is ignored: the package runs ${pkg.Program}`,
    );
  }
  if (pkg.TargetRoot !== undefined || user.TargetRoot !== undefined) {
    notes.push('TargetRoot is ignored: the package sysroot is the root');
  }
  const out: RawConfig = { ...pkg, ...user };
  delete out.TargetRoot;
  out.Program = pkg.Program;
  const userArgs = user.Args?.length ? user.Args : readDefaultArgs(pkgDir);
  const args = [...(pkg.Args ?? []), ...userArgs];
  if (args.length) out.Args = args;
  const env = { ...pkg.Env, ...user.Env };
  delete out.Dirs;
  delete out.Files;
  if (user.Dirs) out.Dirs = [...user.Dirs];
  if (user.Files) out.Files = [...user.Files];
  const own = mapPackagePaths(pkg, pkgDir, notes);
  const mapDirs = { ...own.mapDirs, ...user.MapDirs };
  if (user.Kernel === undefined) setOrDelete(out, 'Kernel', own.kernel);
  if (user.Boot === undefined) setOrDelete(out, 'Boot', own.boot);
  if (Object.keys(mapDirs).length) out.MapDirs = mapDirs;
  else delete out.MapDirs;
  const passthrough = {
    ...pkg.ManifestPassthrough,
    ...user.ManifestPassthrough,
  };
  syncWorkDir(passthrough, env, user);
  if (Object.keys(env).length) out.Env = env;
  if (Object.keys(passthrough).length) out.ManifestPassthrough = passthrough;
  const run = { ...pkg.RunConfig, ...user.RunConfig };
  const ports = joinLists(
    packagePortsKept(pkg.RunConfig?.Ports, user.RunConfig?.Ports),
    user.RunConfig?.Ports,
  );
  if (ports) run.Ports = ports;
  if (Object.keys(run).length) out.RunConfig = run;
  for (const key of ['Klibs', 'Debugflags', 'NoTrace'] as const) {
    const list = joinLists(pkg[key], user[key]);
    if (list) out[key] = list;
  }
  if (pkg.Mounts || user.Mounts) out.Mounts = { ...pkg.Mounts, ...user.Mounts };
  for (const key of ['Version', 'Language', 'Description'] as const) {
    if (pkg[key] !== undefined) out[key] = pkg[key];
  }
  const replaced = (key: string) =>
    (key === 'Kernel' && user.Kernel !== undefined) ||
    (key === 'Boot' && user.Boot !== undefined);
  const packagePaths = own.paths.filter((p) => !replaced(p.key));
  return { config: out, notes, packagePaths };
}

function setOrDelete(
  config: RawConfig,
  key: 'Kernel' | 'Boot',
  value: string | undefined,
): void {
  if (value === undefined) delete config[key];
  else config[key] = value;
}
