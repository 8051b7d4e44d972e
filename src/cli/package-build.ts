// The config for an image built from a local package (its sysroot and
// manifest) with the user's config.json merged over it: one rule set for
// `pkg load` and `image create --package`.
import { dirname } from 'node:path';
import { applyFlags } from '../config/flags.js';
import { readConfigChecked } from '../config/read.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/types.js';
import { checkPackageArch, preparePackage } from '../pkg/load.js';
import { mergePackageConfig } from '../pkg/merge-config.js';
import { checkPackagePaths } from '../pkg/package-paths.js';
import { buildFlagValues } from './build-flags.js';
import type { CliContext } from './context.js';
import { storeOf, type PkgFlags } from './commands/pkg-shared.js';

export interface PackageBuild {
  config: ResolvedConfig;
  /** The package's sysroot, copied whole into the image root. */
  packageRoot: string;
  /** The package's name, the default image name. */
  name: string;
  /** The package's folder name in the store (name_version). */
  dirName: string;
  version: string;
}

export async function resolvePackageBuild(
  ctx: CliContext,
  spec: string,
  opts: Record<string, unknown> & PkgFlags,
): Promise<PackageBuild> {
  const { io, logger } = ctx;
  const stored = await storeOf(ctx, opts).find(spec);
  checkPackageArch(stored);
  const loadable = await preparePackage(stored);

  const flags = buildFlagValues(opts, io.cwd);
  const user = flags.configPath
    ? await readConfigChecked(flags.configPath)
    : { config: {}, problems: [] };
  const merged = mergePackageConfig(
    loadable.manifest,
    applyFlags(user.config, flags),
    stored.dir,
  );
  for (const note of merged.notes) logger.warn(note);
  // What the package names is checked as the package's; what is left to
  // go wrong is in the user's config (or the flags, without one).
  await checkPackagePaths(
    {
      ...stored,
      manifest: loadable.manifest,
      sysroot: loadable.sysroot,
      paths: merged.packagePaths,
    },
    user.config,
  );
  const config = await resolveConfig(merged.config, {
    baseDir: flags.configPath ? dirname(flags.configPath) : io.cwd,
    cwd: io.cwd,
    packageRoot: loadable.sysroot,
    env: io.env,
    source: flags.configPath,
    problems: user.problems,
  });
  if (flags.nanosDir) config.nanosDir = flags.nanosDir;
  return {
    config,
    packageRoot: loadable.sysroot,
    name: stored.name,
    dirName: stored.dirName,
    version: stored.version,
  };
}
