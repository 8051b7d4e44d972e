// RawConfig -> ResolvedConfig: absolute paths checked on disk, sizes in
// bytes, argv complete, defaults filled. Every problem is reported at once.
import { resolve } from 'node:path';
import { parseSize } from './size.js';
import {
  resolveDirsAndFiles,
  resolveMapDirs,
  resolveOptionalFile,
  resolveTargetRoot,
  type Problems,
} from './resolve-paths.js';
import { resolveArgs, resolveProgram } from './resolve-program.js';
import { resolveCloudConfig, resolveRunConfig } from './resolve-run.js';
import type { RawConfig, ResolvedConfig } from './types.js';
import { checkConfig, configError } from './validate.js';

export interface ResolveConfigOptions {
  /** Relative paths in the config resolve here: the config's folder. */
  baseDir: string;
  /** The CLI positional program resolves here. */
  cwd: string;
  /** The CLI positional: overrides config Program. */
  programArg?: string;
  /** A package sysroot: the program is looked up inside it. */
  packageRoot?: string;
  /**
   * Reads SKIFF_NANOS_DIR, SKIFF_NANOS_SHA256 and
   * SKIFF_GCP_COMPUTE_ENDPOINT.
   */
  env?: Record<string, string | undefined>;
  /** Names the config file in messages; without one, no prefix. */
  source?: string;
  /** Problems found earlier (readConfigChecked), listed first. */
  problems?: string[];
}

export const DEFAULT_NAME_SERVERS = ['8.8.8.8'];

/** Klibs with their companions: cloud_init fetches over https, so tls. */
export function resolveKlibs(klibs: string[] = []): string[] {
  const out = [...new Set(klibs)];
  if (out.includes('cloud_init') && !out.includes('tls')) out.push('tls');
  return out;
}

/** SKIFF_NANOS_SHA256, when set, must be a SHA-256: 64 hex digits. */
function checkNanosPin(value: string | undefined, problems: Problems): void {
  if (!value || /^[0-9a-f]{64}$/i.test(value)) return;
  problems.push(
    `SKIFF_NANOS_SHA256: "${value}" is not a SHA-256 (64 hex digits); ` +
      "set it to the release tarball's `sha256sum`, or unset it",
  );
}

function checkMounts(raw: RawConfig, problems: Problems): void {
  for (const [id, path] of Object.entries(raw.Mounts ?? {})) {
    if (!path.startsWith('/')) {
      problems.push(
        `Mounts.${id}: "${path}" must be an absolute image path such as ` +
          `"/data" or "/data:ro"`,
      );
    }
  }
}

/**
 * Checks and resolves a config. Throws CONFIG_INVALID listing every
 * schema problem, missing path and bad value, each with its key path.
 */
export async function resolveConfig(
  input: RawConfig,
  opts: ResolveConfigOptions,
): Promise<ResolvedConfig> {
  const source = opts.source;
  const env = opts.env ?? {};
  const checked = checkConfig(input);
  const problems: Problems = [...(opts.problems ?? []), ...checked.problems];
  const raw = checked.config;
  const baseDir = resolve(opts.cwd, opts.baseDir);

  const targetRoot = await resolveTargetRoot(raw.TargetRoot, baseDir, problems);
  // A Program the schema refused is reported already; no "no program".
  const refused = input.Program !== undefined && raw.Program === undefined;
  const program = await resolveProgram(
    {
      programArg: opts.programArg,
      configProgram: raw.Program,
      root: targetRoot ?? opts.packageRoot,
      cwd: opts.cwd,
      baseDir,
    },
    refused && opts.programArg === undefined ? [] : problems,
  );
  const { dirs, files } = await resolveDirsAndFiles(raw, baseDir, problems);
  const mapDirs = await resolveMapDirs(raw, baseDir, problems);
  const kernelPath = await resolveOptionalFile(
    'Kernel',
    raw.Kernel,
    baseDir,
    problems,
  );
  const bootPath = await resolveOptionalFile(
    'Boot',
    raw.Boot,
    baseDir,
    problems,
  );
  checkMounts(raw, problems);
  checkNanosPin(env.SKIFF_NANOS_SHA256, problems);
  const cloud = resolveCloudConfig(raw.CloudConfig, env, problems);
  if (problems.length > 0 || !program) throw configError(source, problems);

  const reboot = raw.RebootOnExit;
  return {
    baseDir,
    programHostPath: program.hostPath,
    programImagePath: program.imagePath,
    args: resolveArgs(program, raw.Args),
    env: { ...raw.Env },
    dirs,
    files,
    mapDirs,
    baseVolumeBytes:
      raw.BaseVolumeSz !== undefined ? parseSize(raw.BaseVolumeSz) : undefined,
    rebootOnExit:
      reboot === 'always' ? 'always' : reboot ? 'on-failure' : false,
    klibs: resolveKlibs(raw.Klibs),
    manifestPassthrough: { ...raw.ManifestPassthrough },
    nameServers: raw.NameServers?.length
      ? [...raw.NameServers]
      : [...DEFAULT_NAME_SERVERS],
    targetRoot,
    kernelPath,
    bootPath,
    nanosVersion: raw.NanosVersion,
    nanosDir: env.SKIFF_NANOS_DIR
      ? resolve(opts.cwd, env.SKIFF_NANOS_DIR)
      : undefined,
    nanosSha256: env.SKIFF_NANOS_SHA256 || undefined,
    uefi: raw.Uefi ?? false,
    debugFlags: [...(raw.Debugflags ?? [])],
    noTrace: [...(raw.NoTrace ?? [])],
    mounts: { ...raw.Mounts },
    run: resolveRunConfig(raw.RunConfig),
    cloud,
  };
}
