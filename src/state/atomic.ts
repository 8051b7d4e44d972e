// Small file-system primitives for state shared by concurrent skiff
// commands: JSON written through a temp file and a rename, so a reader
// sees the old document or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode, UserError } from '../errors.js';

/** A sibling temp name, unique per call (pid + random). */
export function tempPathFor(path: string): string {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return join(dirname(path), `.${basename(path)}.${tag}.tmp`);
}

/** Writes `value` as JSON to `path` atomically (temp + rename). */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, {
      mode: 0o600,
    });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** A state file that is not the JSON Skiff wrote (edited, disk trouble). */
export class StateFileError extends UserError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      'STATE_CORRUPT',
      `${path} is not valid JSON: ${(cause as Error).message}`,
      { cause, hint: 'fix or remove that file' },
    );
  }
}

/**
 * Parsed JSON from `path`, or undefined when the file does not exist.
 * Throws StateFileError naming the file when it does not parse.
 */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
      return undefined;
    }
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new StateFileError(path, err);
  }
}
