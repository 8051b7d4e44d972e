// The image's CMD arguments: defaults that the user's Args replace, as
// `docker run IMAGE ARGS` replaces CMD. They sit beside package.manifest
// because its schema (config.json's, strict) has no key for them.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, UserError } from '../errors.js';

export const DEFAULT_ARGS_FILE = 'default-args.json';

export async function writeDefaultArgs(
  pkgDir: string,
  args: string[],
): Promise<void> {
  if (args.length === 0) return;
  await writeFile(join(pkgDir, DEFAULT_ARGS_FILE), `${JSON.stringify(args)}\n`);
}

/** The package's default arguments; none when the file is absent. */
export function readDefaultArgs(pkgDir: string): string[] {
  const path = join(pkgDir, DEFAULT_ARGS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new UserError(
      'PACKAGE_INVALID',
      `${path} is not a JSON list of strings`,
      { hint: `fix or delete ${DEFAULT_ARGS_FILE} in the package folder` },
    );
  }
  return value as string[];
}
