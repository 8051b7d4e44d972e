// Where Skiff keeps things per user. Computed from the environment by the
// CLI and passed into the core, which never reads process.env itself.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface SkiffPaths {
  /** Downloaded Nanos releases and OCI blobs: safe to delete. */
  cacheDir: string;
  /** Packages and named images: the user's data. */
  dataDir: string;
  /** Instances, their logs and sockets: runtime state. */
  stateDir: string;
}

export type Env = Record<string, string | undefined>;

/**
 * SKIFF_HOME puts data and state under one folder (handy for tests and
 * for users who want everything in one place). The cache stays shared
 * unless SKIFF_CACHE_DIR is set, so a downloaded kernel is reused.
 */
export function resolvePaths(
  rawEnv: Env,
  home = homedir(),
  cwd?: string,
): SkiffPaths {
  // A relative SKIFF_HOME would move with the current folder.
  const env = cwd ? absoluteDirs(rawEnv, cwd) : rawEnv;
  const cacheDir =
    env.SKIFF_CACHE_DIR ??
    join(env.XDG_CACHE_HOME || join(home, '.cache'), 'skiff');
  if (env.SKIFF_HOME) {
    return {
      cacheDir,
      dataDir: join(env.SKIFF_HOME, 'data'),
      stateDir: join(env.SKIFF_HOME, 'state'),
    };
  }
  return {
    cacheDir,
    dataDir: join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'skiff'),
    stateDir: join(
      env.XDG_STATE_HOME || join(home, '.local', 'state'),
      'skiff',
    ),
  };
}

const DIR_VARIABLES = [
  'SKIFF_HOME',
  'SKIFF_CACHE_DIR',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
] as const;

function absoluteDirs(env: Env, cwd: string): Env {
  const out = { ...env };
  for (const name of DIR_VARIABLES) {
    const value = out[name];
    if (value && !isAbsolute(value)) out[name] = resolve(cwd, value);
  }
  return out;
}

/** The Nanos release folder for a version inside the cache. */
export function nanosCacheDir(
  paths: SkiffPaths,
  version: string,
  arch = 'x86_64',
): string {
  return join(
    paths.cacheDir,
    'nanos',
    arch === 'x86_64' ? version : `${version}-${arch}`,
  );
}
