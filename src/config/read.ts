// Reads config.json from disk: JSON syntax errors with line:column, then
// the strict schema.
import { readFile } from 'node:fs/promises';
import { describeFsError, UserError } from '../errors.js';
import type { RawConfig } from './types.js';
import { checkConfig, configError, type CheckedConfig } from './validate.js';

/** 1-based line and column of a character offset. */
export function lineColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** Parses JSON text, naming `source:line:column` on a syntax error. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    const pos = /at position (\d+)/.exec(raw);
    const offset = pos ? Number(pos[1]) : body.length;
    const { line, column } = lineColumn(body, offset);
    const reason = raw.replace(/\s*in JSON at position \d+.*$/s, '');
    throw new UserError(
      'CONFIG_SYNTAX',
      `${source}:${line}:${column}: invalid JSON: ${reason}`,
      {
        cause: err,
        hint: 'config.json is plain JSON: no comments, no trailing commas',
      },
    );
  }
}

/**
 * Reads a config.json file: a syntax error throws, schema problems come
 * back with the valid part (see checkConfig) to be reported together with
 * the problems found later.
 */
export async function readConfigChecked(path: string): Promise<CheckedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const described = describeFsError(err, 'reading the config', path);
    if (described instanceof UserError) {
      throw new UserError(described.code, described.message, {
        cause: err,
        hint: 'check the -c/--config path',
      });
    }
    throw described;
  }
  return checkConfig(parseJsonText(text, path));
}

/** Reads and validates a config.json file (CONFIG_INVALID on problems). */
export async function readConfigFile(path: string): Promise<RawConfig> {
  const { config, problems } = await readConfigChecked(path);
  if (problems.length > 0) throw configError(path, problems);
  return config;
}
