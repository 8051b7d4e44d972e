// Command-line flags merged onto config.json. The rules (docs/config.md):
// -a appends to Args (or replaces them with argsReplace), -e K=V splits on
// the first "=", -p appends (replacing a config port to the same guest
// port), --klib appends, every other flag overrides its key.
import { UserError } from '../errors.js';
import { memoryProblem } from './memory.js';
import { guestPortKey, parsePortSpec, withoutGuestPorts } from './ports.js';
import { MAX_CPUS } from './schema.js';
import { parseSize } from './size.js';
import type { RawConfig, RawRunConfig } from './types.js';

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
  /** --smp, as a number or as typed (checked by applyFlags). */
  cpus?: number | string;
  accel?: 'auto' | 'kvm' | 'tcg';
  /** --klib, repeatable: appended to Klibs. */
  klibs?: string[];
  /** true or 'on-failure': reboot on a non-zero exit; 'always'; false. */
  rebootOnExit?: boolean | 'on-failure' | 'always';
  /** A size such as 1g. */
  baseVolumeSize?: string;
}

/** One FLAG_INVALID error for every bad flag at once. */
function flagsError(problems: { message: string; hint: string }[]) {
  if (problems.length === 1) {
    const [{ message, hint }] = problems as [(typeof problems)[0]];
    return new UserError('FLAG_INVALID', message, { hint });
  }
  return new UserError(
    'FLAG_INVALID',
    `${problems.length} bad flags:\n` +
      problems.map((p) => `  - ${p.message} (${p.hint})`).join('\n'),
    { hint: 'fix the flags listed above (see --help)' },
  );
}

function envProblem(item: string) {
  const eq = item.indexOf('=');
  if (eq > 0) return undefined;
  return {
    message: `-e ${item}: expected NAME=value`,
    hint: `write -e ${eq === 0 ? 'NAME' : item}=value`,
  };
}

/** Splits -e values on the first "=" only: A=b=c sets A to "b=c". */
export function parseEnvFlags(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of values) {
    const problem = envProblem(item);
    if (problem) throw flagsError([problem]);
    const eq = item.indexOf('=');
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

/** Every bad -a, -e, -p, -m, --base-volume-size and --smp, in one error. */
function checkFlags(flags: BuildFlagValues): void {
  const problems: { message: string; hint: string }[] = [];
  // Nanos cannot store an empty string (see Args in schema.ts).
  if (flags.args?.includes('')) {
    problems.push({
      message: '-a "": Nanos cannot pass an empty argument',
      hint: 'drop the empty -a, or give it a value',
    });
  }
  for (const item of flags.env ?? []) {
    const problem = envProblem(item);
    if (problem) problems.push(problem);
  }
  for (const spec of flags.ports ?? []) {
    try {
      parsePortSpec(spec);
    } catch (err) {
      const message = `-p ${spec}: ${(err as Error).message}`;
      problems.push({ message, hint: 'e.g. -p 8080 or -p 8080:80' });
    }
  }
  if (flags.memory !== undefined) {
    const problem = memoryProblem(flags.memory);
    if (problem) {
      problems.push({ message: `-m/--memory: ${problem}`, hint: '-m 512m' });
    }
  }
  if (flags.baseVolumeSize !== undefined) {
    try {
      parseSize(flags.baseVolumeSize);
    } catch (err) {
      const message = `--base-volume-size: ${(err as Error).message}`;
      problems.push({ message, hint: '--base-volume-size 1g' });
    }
  }
  const cpus = flags.cpus;
  if (cpus !== undefined && !isCpuCount(cpus)) {
    const message = `--smp ${cpus}: expected a whole number from 1 to ${MAX_CPUS}`;
    problems.push({ message, hint: '--smp 2' });
  }
  if (problems.length > 0) throw flagsError(problems);
}

function isCpuCount(value: number | string): boolean {
  const n = typeof value === 'number' ? value : Number(value);
  return (
    String(value).trim() !== '' &&
    Number.isInteger(n) &&
    n >= 1 &&
    n <= MAX_CPUS
  );
}

/**
 * -p adds forwards; one to a guest port (and protocol) the config already
 * forwards replaces the config's, so `-p 9090:8080` moves "8080" to host
 * port 9090 rather than forwarding both.
 */
function applyPortFlags(run: RawRunConfig, specs: string[]): void {
  const replaced = new Set(
    specs.flatMap((spec) => parsePortSpec(spec)).map(guestPortKey),
  );
  const ports = withoutGuestPorts(run.Ports ?? [], 'tcp', replaced);
  run.Ports = [...ports, ...specs];
  if (run.UDPPorts) {
    run.UDPPorts = withoutGuestPorts(run.UDPPorts, 'udp', replaced);
  }
}

/**
 * Returns a new RawConfig with the flags applied; the input is unchanged.
 * Throws one FLAG_INVALID naming every bad -e, -p, -m or --smp.
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
  if (flags.ports?.length) applyPortFlags(run, flags.ports);
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
  if (flags.cpus !== undefined) run.CPUs = Number(flags.cpus);
  if (flags.accel !== undefined) run.Accel = flags.accel;
  if (flags.target !== undefined) cloud.Platform = flags.target;
  if (flags.imageName !== undefined) cloud.ImageName = flags.imageName;
  if (Object.keys(run).length) out.RunConfig = run;
  if (Object.keys(cloud).length) out.CloudConfig = cloud;
  return out;
}
