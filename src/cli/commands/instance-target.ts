// -t/--target and -c/--config for image and instance management commands,
// and the provider they select.
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { applyFlags } from '../../config/flags.js';
import { readConfigFile } from '../../config/read.js';
import { parseSize } from '../../config/size.js';
import {
  resolveCloudConfig,
  resolveRunConfig,
} from '../../config/resolve-run.js';
import type { RawConfig, ResolvedConfig } from '../../config/types.js';
import { configError, validateConfig } from '../../config/validate.js';
import { createProvider, resolveTarget } from '../../../providers/index.js';
import type { Provider } from '../../../providers/types.js';
import { buildFlagValues } from '../build-flags.js';
import type { CliContext } from '../context.js';

export type TargetFlags = Record<string, unknown> & {
  target?: string;
  config?: string;
};

export function addTargetFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '-t, --target <platform>',
        'qemu (default), gcp or aws',
      ).choices(['qemu', 'gcp', 'aws', 'onprem']),
    )
    .option('-c, --config <file>', 'config.json (RunConfig, CloudConfig)')
    .option('-g, --projectid <id>', 'gcp: CloudConfig.ProjectID')
    .option('-z, --zone <zone>', 'gcp, aws: CloudConfig.Zone');
}

/** -g/--projectid, -z/--zone and --bucketname over CloudConfig. */
export function applyCloudFlags(
  config: ResolvedConfig,
  opts: Record<string, unknown>,
): ResolvedConfig {
  if (typeof opts.projectid === 'string') {
    config.cloud.projectId = opts.projectid;
  }
  if (typeof opts.zone === 'string') config.cloud.zone = opts.zone;
  if (typeof opts.bucketname === 'string') {
    config.cloud.bucketName = opts.bucketname;
  }
  return config;
}

/**
 * The config for commands that build nothing: only RunConfig and
 * CloudConfig matter, so no Program is required. Flags (-p, -m, --smp,
 * --accel) are applied as for builds.
 */
export async function resolveRunOnlyConfig(
  ctx: CliContext,
  opts: TargetFlags,
): Promise<ResolvedConfig> {
  return (await readRunOnlyConfig(ctx, opts)).config;
}

/** resolveRunOnlyConfig, with the config file as written (`{}`: none). */
export async function readRunOnlyConfig(
  ctx: CliContext,
  opts: TargetFlags,
): Promise<{ raw: RawConfig; config: ResolvedConfig }> {
  const flags = buildFlagValues(opts, ctx.io.cwd);
  const source = flags.configPath;
  const raw = flags.configPath ? await readConfigFile(flags.configPath) : {};
  const merged = validateConfig(applyFlags(raw, flags), source);
  const problems: string[] = [];
  const cloud = resolveCloudConfig(merged.CloudConfig, ctx.io.env, problems);
  if (problems.length > 0) throw configError(source, problems);
  const config = applyCloudFlags(
    {
      baseDir: flags.configPath ? dirname(flags.configPath) : ctx.io.cwd,
      programHostPath: '',
      programImagePath: '',
      args: [],
      env: { ...merged.Env },
      dirs: [],
      files: [],
      mapDirs: [],
      rebootOnExit: false,
      klibs: [],
      // Cloud instances size their disk from BaseVolumeSz (ops#1530).
      baseVolumeBytes:
        merged.BaseVolumeSz !== undefined
          ? parseSize(merged.BaseVolumeSz)
          : undefined,
      manifestPassthrough: { ...merged.ManifestPassthrough },
      nameServers: [],
      uefi: false,
      debugFlags: [],
      noTrace: [],
      mounts: {},
      run: resolveRunConfig(merged.RunConfig),
      cloud,
    },
    opts,
  );
  return { raw, config };
}

/** The adapter for -t (or the config's Platform), given a config. */
export async function providerFor(
  ctx: CliContext,
  opts: TargetFlags,
  config: ResolvedConfig,
): Promise<Provider> {
  const target = resolveTarget(opts.target, config);
  return createProvider(target, {
    logger: ctx.logger,
    paths: ctx.paths,
    env: ctx.io.env,
    signal: ctx.io.signal,
    config,
  });
}
