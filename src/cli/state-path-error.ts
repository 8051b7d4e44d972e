// A file where Skiff expects one of its folders (SKIFF_HOME set to a file,
// a stray ~/.local/state/skiff file) makes every mkdir or readdir below it
// fail with a bare ENOTDIR; this names the variable and the file instead.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EnvironmentError, errnoCode } from '../errors.js';
import type { Env } from '../paths.js';

/** The variables that place Skiff's folders, most specific first. */
const PATH_VARIABLES = [
  'SKIFF_HOME',
  'SKIFF_CACHE_DIR',
  'XDG_STATE_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
];

/** The nearest existing path at or above `path` that is not a folder. */
function blockingFile(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      // Not there: look further up.
    }
    if (dirname(p) === p) return undefined;
  }
}

function within(path: string, folder: string): boolean {
  const base = folder.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`);
}

/**
 * `err` as an error naming the file in the way and the variable that put
 * Skiff's folder there, when it is a file-system error of that kind;
 * otherwise `err` unchanged.
 */
export function explainStatePathError(err: unknown, env: Env): unknown {
  const code = errnoCode(err);
  const { path, syscall } = err as { path?: unknown; syscall?: unknown };
  const mkdirOnFile = code === 'EEXIST' && syscall === 'mkdir';
  if (code !== 'ENOTDIR' && !mkdirOnFile) return err;
  if (typeof path !== 'string') return err;
  const file = blockingFile(path);
  if (!file) return err;
  const variable = PATH_VARIABLES.find((v) => {
    const value = env[v];
    return value !== undefined && value !== '' && within(path, value);
  });
  if (!variable) {
    return new EnvironmentError(
      'STATE_PATH_NOT_A_FOLDER',
      `${file} is a file where Skiff keeps a folder (needed for ${path})`,
      { cause: err, hint: `move ${file} out of the way` },
    );
  }
  const value = env[variable]!;
  return new EnvironmentError(
    'STATE_PATH_NOT_A_FOLDER',
    within(file, value)
      ? `${variable}=${value}: ${file} is a file, not a folder`
      : `${variable}=${value} is not a usable folder: ${file} is a file`,
    {
      cause: err,
      hint: `point ${variable} at a folder (it is created if missing), or unset it`,
    },
  );
}
