// Command-line flags merged onto config.json. The rules (docs/config.md):
// -a appends to Args (or replaces them with argsReplace), -e K=V splits on
// the first "=", -p and --klib append, every other flag overrides its key.
import { UserError } from '../errors.js';
import { memoryProblem } from './memory.js';
import { parsePortSpec } from './ports.js';
import { parseSize } from './size.js';
import type { RawConfig } from './types.js';

/** Flag values as the CLI parsed them. Paths are absolute (see below). */
export interface BuildFlagValues {
  /** -c: the config file (read by the CLI, not by applyFlags). */
  configPath?: string;
  /** -a, repeatable: appended to config Args. */
  args?: string[];
  /** With --args-replace, -a values replace config Args. */
  argsReplace?: boolean;
  /** -e K=V, repeatable. */
  env?: string[];
  /** -p, repeatable: 8080, 8080:80, 8000-8010, 53/udp. */
  ports?: string[];
  nanosVersion?: string;
  /** Absolute (the CLI resolves it against the cwd). */
  nanosDir?: string;
  uefi?: boolean;
  /** Absolute (the CLI resolves it against the cwd). */
  targetRoot?: string;
  /** -t: qemu, gcp or aws. */
  target?: string;
  imageName?: string;
  /** -m: a size such as 1g. */
  memory?: string;
  /** --smp. */
  cpus?: number;
  accel?: 'auto' | 'kvm' | 'tcg';
  /** --klib, repeatable: appended to Klibs. */
  klibs?: string[];
  /** true or 'on-failure': reboot on a non-zero exit; 'always'; false. */
  rebootOnExit?: boolean | 'on-failure' | 'always';
  /** A size such as 1g. */
  baseVolumeSize?: string;
}

function flagError(message: string, hint: string): UserError {
  return new UserError('FLAG_INVALID', message, { hint });
}

/** Splits -e values on the first "=" only: A=b=c sets A to "b=c". */
export function parseEnvFlags(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw flagError(
        `-e ${item}: expected NAME=value`,
        `write -e ${eq === 0 ? 'NAME' : item}=value`,
      );
    }
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

function checkFlags(flags: BuildFlagValues): void {
  for (const spec of flags.ports ?? []) {
    try {
      parsePortSpec(spec);
    } catch (err) {
      throw flagError(`-p ${spec}: ${(err as Error).message}`, 'see --help');
    }
  }
  if (flags.memory !== undefined) {
    const problem = memoryProblem(flags.memory);
    if (problem) throw flagError(`-m/--memory: ${problem}`, 'e.g. -m 512m');
  }
  if (flags.baseVolumeSize !== undefined) {
    try {
      parseSize(flags.baseVolumeSize);
    } catch (err) {
      throw flagError(
        `--base-volume-size: ${(err as Error).message}`,
        'e.g. 1g',
      );
    }
  }
  const cpus = flags.cpus;
  if (cpus !== undefined && (!Number.isInteger(cpus) || cpus < 1)) {
    throw flagError(`--smp ${cpus}: expected a whole number >= 1`, '--smp 2');
  }
}

/**
 * Returns a new RawConfig with the flags applied; the input is unchanged.
 * Throws FLAG_INVALID naming the flag for a bad -e, -p, -m or --smp.
 */
export function applyFlags(raw: RawConfig, flags: BuildFlagValues): RawConfig {
  checkFlags(flags);
  const out: RawConfig = { ...raw };
  const run = { ...raw.RunConfig };
  const cloud = { ...raw.CloudConfig };
  if (flags.args?.length || flags.argsReplace) {
    const given = flags.args ?? [];
    out.Args = flags.argsReplace ? [...given] : [...(raw.Args ?? []), ...given];
  }
  if (flags.env?.length) {
    out.Env = { ...raw.Env, ...parseEnvFlags(flags.env) };
  }
  if (flags.ports?.length) run.Ports = [...(run.Ports ?? []), ...flags.ports];
  if (flags.klibs?.length) {
    out.Klibs = [...new Set([...(raw.Klibs ?? []), ...flags.klibs])];
  }
  if (flags.nanosVersion !== undefined) out.NanosVersion = flags.nanosVersion;
  if (flags.uefi !== undefined) out.Uefi = flags.uefi;
  if (flags.targetRoot !== undefined) out.TargetRoot = flags.targetRoot;
  if (flags.baseVolumeSize !== undefined) {
    out.BaseVolumeSz = flags.baseVolumeSize;
  }
  if (flags.rebootOnExit !== undefined) {
    const mode = flags.rebootOnExit;
    out.RebootOnExit = mode === 'always' ? 'always' : mode !== false;
  }
  if (flags.memory !== undefined) run.Memory = flags.memory;
  if (flags.cpus !== undefined) run.CPUs = flags.cpus;
  if (flags.accel !== undefined) run.Accel = flags.accel;
  if (flags.target !== undefined) cloud.Platform = flags.target;
  if (flags.imageName !== undefined) cloud.ImageName = flags.imageName;
  if (Object.keys(run).length) out.RunConfig = run;
  if (Object.keys(cloud).length) out.CloudConfig = cloud;
  return out;
}
