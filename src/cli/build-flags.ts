// The flags every image-building command shares (run, build, image create,
// deploy, pkg load), and the step that turns them into a ResolvedConfig.
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { applyFlags, type BuildFlagValues } from '../config/flags.js';
import { readConfigChecked } from '../config/read.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/types.js';
import type { CliContext } from './context.js';

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  value,
];

const TARGET_NAMES = ['qemu', 'gcp', 'aws', 'onprem'];

/** -t/--target as one command takes it. */
export interface TargetFlagSpec {
  /** What the command does with each target it takes. */
  help: string;
  /** The targets it takes, for the error on an unknown one. */
  accepted: string;
}

/**
 * Every target name is parsed (a command refuses a cloud one it cannot
 * serve with an error that names the command to use instead); an unknown
 * one is a usage error naming those the command takes.
 */
function targetOption(spec: TargetFlagSpec): Option {
  return new Option('-t, --target <platform>', spec.help).argParser((value) => {
    if (TARGET_NAMES.includes(value)) return value;
    throw new InvalidArgumentError(`Use ${spec.accepted}.`);
  });
}

/** -t of image create, the default: the image goes to any target. */
export const IMAGE_TARGETS: TargetFlagSpec = {
  help: 'where the image goes: qemu (default), gcp or aws',
  accepted: 'qemu, gcp or aws',
};

/** Adds the shared build flags to a command, -t as `target` says. */
export function addBuildFlags(
  cmd: Command,
  target: TargetFlagSpec = IMAGE_TARGETS,
): Command {
  return cmd
    .option('-c, --config <file>', 'config.json to read')
    .option(
      '-a, --arg <value>',
      'append an argument to Args (repeatable)',
      collect,
    )
    .option('--args-replace', '-a values replace the config Args')
    .option('-e, --env <NAME=value>', 'set an environment variable', collect)
    .option(
      '-p, --port <spec>',
      'forward a port: 8080, 8080:80 (host:guest), 8000-8010, 53/udp',
      collect,
    )
    .addOption(targetOption(target))
    .option('--nanos-version <version>', 'Nanos kernel version')
    .option('--nanos-dir <dir>', 'use a local Nanos release folder (offline)')
    .option('--uefi', 'add a UEFI boot partition')
    .option('--target-root <dir>', 'look the program and libraries up here')
    .option('-m, --memory <size>', 'guest memory, e.g. 1g (default 512m)')
    .option('--smp <cpus>', 'guest CPUs (default 1)')
    .addOption(
      new Option('--accel <mode>', 'QEMU acceleration').choices([
        'auto',
        'kvm',
        'tcg',
      ]),
    )
    .option('--klib <name>', 'add a kernel library (repeatable)', collect)
    .option('--base-volume-size <size>', 'minimum image size, e.g. 1g')
    .addOption(
      new Option(
        '--reboot-on-exit [mode]',
        'reboot when the program exits (alone: on-failure; never turns ' +
          "the config's RebootOnExit off)",
      ).choices(['on-failure', 'always', 'never']),
    );
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

function cpusOf(value: unknown): string | number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : String(value);
}

function rebootOf(value: unknown): BuildFlagValues['rebootOnExit'] {
  if (value === undefined) return undefined;
  if (value === true || value === 'on-failure') return 'on-failure';
  if (value === 'always') return 'always';
  return false;
}

/** Commander's option values -> BuildFlagValues, paths made absolute. */
export function buildFlagValues(
  opts: Record<string, unknown>,
  cwd: string,
): BuildFlagValues {
  const abs = (v: unknown) => (str(v) ? resolve(cwd, str(v)!) : undefined);
  return {
    configPath: abs(opts.config),
    args: list(opts.arg),
    argsReplace: opts.argsReplace === true ? true : undefined,
    env: list(opts.env),
    ports: list(opts.port),
    nanosVersion: str(opts.nanosVersion),
    nanosDir: abs(opts.nanosDir),
    uefi: opts.uefi === true ? true : undefined,
    targetRoot: abs(opts.targetRoot),
    target: str(opts.target),
    imageName: str(opts.imageName),
    memory: str(opts.memory),
    cpus: cpusOf(opts.smp),
    accel: str(opts.accel) as BuildFlagValues['accel'],
    klibs: list(opts.klib),
    rebootOnExit: rebootOf(opts.rebootOnExit),
    baseVolumeSize: str(opts.baseVolumeSize),
  };
}

/**
 * Reads -c (if given), applies the flags and resolves everything. Relative
 * config paths resolve against the config's folder; without -c, and for
 * flags and the program argument, against the cwd.
 */
export async function resolveBuildConfig(
  ctx: CliContext,
  opts: Record<string, unknown>,
  programArg?: string,
  packageRoot?: string,
): Promise<ResolvedConfig> {
  const cwd = ctx.io.cwd;
  const flags = buildFlagValues(opts, cwd);
  const read = flags.configPath
    ? await readConfigChecked(flags.configPath)
    : { config: {}, problems: [] };
  const merged = applyFlags(read.config, flags);
  const config = await resolveConfig(merged, {
    problems: read.problems,
    baseDir: flags.configPath ? dirname(flags.configPath) : cwd,
    cwd,
    programArg,
    packageRoot,
    env: ctx.io.env,
    source: flags.configPath,
  });
  if (flags.nanosDir) config.nanosDir = flags.nanosDir;
  ctx.logger.debug(
    `config: program ${config.programImagePath}, argv ` +
      JSON.stringify(config.args),
  );
  return config;
}
