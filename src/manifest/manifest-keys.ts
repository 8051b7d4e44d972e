// The root tuple's keys besides `children`, in the order they are written.
import type { ResolvedConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import type { NanosRelease } from '../nanos/types.js';
import { FLAG, type TfsValue } from '../tfs/value.js';
import { toTfsValue, tupleOf } from './values.js';

export interface ManifestKeyOptions {
  localRun: boolean;
  /** Library folders the guest loader cannot know without ld.so.cache. */
  extraLibraryDirs: string[];
}

/** Env variables with an empty value, which Nanos cannot store. */
export function emptyEnvNames(config: Pick<ResolvedConfig, 'env'>): string[] {
  return Object.keys(config.env).filter((name) => config.env[name] === '');
}

/** The environment: defaults, then the user's Env, which wins. */
export function environmentOf(
  config: ResolvedConfig,
  release: NanosRelease,
  extraLibraryDirs: string[],
): Record<string, string> {
  const env: Record<string, string> = {
    USER: 'root',
    PWD: '/',
    NANOS_VERSION: release.version,
    ...config.env,
  };
  // TFS has no empty string (it decodes as nil): such a variable is unset
  // in the guest, so it is left out, with a warning at build time.
  for (const name of emptyEnvNames(config)) delete env[name];
  if (extraLibraryDirs.length) {
    const own = env.LD_LIBRARY_PATH ? env.LD_LIBRARY_PATH.split(':') : [];
    const all = [...own, ...extraLibraryDirs.filter((d) => !own.includes(d))];
    env.LD_LIBRARY_PATH = all.join(':');
  }
  return env;
}

function networkKeys(config: ResolvedConfig, keys: Map<string, TfsValue>) {
  const run = config.run;
  if (run.ipAddress) keys.set('ipaddr', run.ipAddress);
  if (run.netmask) keys.set('netmask', run.netmask);
  if (run.gateway) keys.set('gateway', run.gateway);
  if (run.ipv6Address) keys.set('ip6addr', run.ipv6Address);
}

/**
 * Whether the manifest built for `config` has debug_exit (so QEMU's status
 * carries the app's exit code): local runs add it, ManifestPassthrough
 * may set or remove it.
 */
export function hasDebugExit(
  config: Pick<ResolvedConfig, 'manifestPassthrough'>,
  localRun: boolean,
): boolean {
  const pass = config.manifestPassthrough;
  if (!Object.hasOwn(pass, 'debug_exit')) return localRun;
  return toTfsValue(pass.debug_exit, 'debug_exit') !== undefined;
}

/** Builds the manifest; ManifestPassthrough comes last and overrides. */
export function manifestKeys(
  config: ResolvedConfig,
  release: NanosRelease,
  opts: ManifestKeyOptions,
): Map<string, TfsValue> {
  const keys = new Map<string, TfsValue>();
  keys.set('program', config.programImagePath);
  keys.set('arguments', [...config.args]);
  const env = environmentOf(config, release, opts.extraLibraryDirs);
  keys.set('environment', tupleOf(env));
  if (env.PWD && env.PWD !== '/') keys.set('cwd', env.PWD);
  if (config.klibs.length) keys.set('klibs', 'bootfs');
  if (config.rebootOnExit) {
    keys.set('reboot_on_exit', config.rebootOnExit === 'always' ? '*' : 't');
  }
  if (opts.localRun) keys.set('debug_exit', FLAG);
  for (const flag of config.debugFlags) keys.set(flag, 't');
  if (config.noTrace.length) keys.set('notrace', [...config.noTrace]);
  if (Object.keys(config.mounts).length) {
    keys.set('mounts', tupleOf(config.mounts));
  }
  networkKeys(config, keys);
  for (const [key, value] of Object.entries(config.manifestPassthrough)) {
    if (key === 'children') {
      throw new UserError(
        'CONFIG_INVALID',
        'ManifestPassthrough.children: the file tree cannot be passed through',
        { hint: 'add files with Files, Dirs or MapDirs' },
      );
    }
    const tfs = toTfsValue(value, key);
    keys.delete(key);
    if (tfs !== undefined) keys.set(key, tfs);
  }
  return keys;
}
