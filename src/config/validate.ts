// Validates config.json against the schema and reports every problem at
// once, each with its dotted key path and what to write instead.
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { configSchema, KNOWN_KEYS } from './schema.js';
import { closestKey } from './suggest.js';
import type { RawConfig } from './types.js';

type Key = PropertyKey;

/** `RunConfig.Memory`, `Dirs[1]`, `MapDirs["./lib/*"]`. */
export function formatKeyPath(path: readonly Key[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_][\w.-]*$/.test(String(key))) {
      out += out ? `.${String(key)}` : String(key);
    } else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly Key[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<Key, unknown>)[key];
  }
  return v;
}

const EXPECTED: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

function boundOf(issue: z.core.$ZodIssue): string {
  const i = issue as {
    code: string;
    origin?: string;
    minimum?: unknown;
    maximum?: unknown;
  };
  if (i.origin === 'string' && i.code === 'too_small')
    return 'must not be empty';
  if (i.origin === 'array' || i.origin === 'string') {
    return i.code === 'too_small'
      ? `needs at least ${String(i.minimum)} item(s)`
      : `allows at most ${String(i.maximum)} item(s)`;
  }
  return i.code === 'too_small'
    ? `must be at least ${String(i.minimum)}`
    : `must be at most ${String(i.maximum)}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Known keys at an object path; array indices match any index. */
function knownKeysAt(path: readonly Key[]): string[] | undefined {
  const pattern = path
    .map((k) => (typeof k === 'number' ? '[]' : `.${String(k)}`))
    .join('')
    .replace(/^\./, '')
    .replace(/\.\[\]/g, '[]');
  return KNOWN_KEYS[pattern];
}

function unknownKeyProblems(issue: z.core.$ZodIssue): string[] {
  const keys = (issue as { keys?: string[] }).keys ?? [];
  const known = knownKeysAt(issue.path) ?? [];
  return keys.map((key) => {
    const where = formatKeyPath([...issue.path, key]);
    const guess = closestKey(key, known);
    return guess
      ? `${where}: unknown key. Did you mean ${guess}?`
      : `${where}: unknown key; known keys here: ${known.join(', ')}`;
  });
}

function problemOf(issue: z.core.$ZodIssue, input: unknown): string[] {
  if (issue.code === 'unrecognized_keys') return unknownKeyProblems(issue);
  const where = formatKeyPath(issue.path) || '(top level)';
  const value = valueAt(input, issue.path);
  if (issue.code === 'invalid_type') {
    if (value === undefined) return [`${where}: is required`];
    const expected = EXPECTED[issue.expected] ?? issue.expected;
    return [`${where}: expected ${expected}, got ${describe(value)}`];
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return [`${where}: ${boundOf(issue)}, got ${describe(value)}`];
  }
  if (issue.code === 'custom' || issue.code === 'invalid_format') {
    return [`${where}: ${JSON.stringify(value)} ${issue.message}`];
  }
  if (issue.code === 'invalid_key') {
    // A record key that failed its own check: say that check's words
    // about the key, not zod's "Invalid key in record".
    const key = issue.path[issue.path.length - 1];
    const inner = issue.issues[0]?.message ?? issue.message;
    return [`${where}: the name ${JSON.stringify(key)} ${inner}`];
  }
  if (issue.code === 'invalid_union') {
    return [`${where}: ${issue.message}, got ${describe(value)}`];
  }
  return [`${where}: ${issue.message} (got ${describe(value)})`];
}

/** What to do about the problems: one names its own key or argument. */
function configHint(problems: string[]): string {
  if (problems.length > 1) {
    return 'fix the problems listed above (see docs/config.md)';
  }
  const problem = problems[0] ?? '';
  if (problem.startsWith('no program')) {
    return 'e.g. `skiff run ./app`, or "Program": "./app" in config.json';
  }
  if (problem.startsWith('program argument')) {
    // With TargetRoot the program is a path inside the root (see
    // resolve-program.ts), not one on this machine.
    return /(does not exist|is not a file) inside /.test(problem)
      ? 'give the program as a path inside the target root, e.g. /usr/bin/php'
      : 'check the program path (relative to the current folder)';
  }
  return 'see docs/config.md for the keys and their values';
}

/**
 * Formats problems into one CONFIG_INVALID error. `source` names the
 * config file; without one (flags only) the message has no prefix.
 */
export function configError(
  source: string | undefined,
  problems: string[],
): UserError {
  const message =
    problems.length === 1
      ? `${source ? `${source}: ` : ''}${problems[0]}`
      : `${source ?? 'the flags'} ${source ? 'has' : 'have'} ` +
        `${problems.length} problems:\n` +
        problems.map((p) => `  - ${p}`).join('\n');
  return new UserError('CONFIG_INVALID', message, {
    hint: configHint(problems),
  });
}

/** A config checked against the schema: its valid part and the problems. */
export interface CheckedConfig {
  /** The input without the values that broke the schema. */
  config: RawConfig;
  problems: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Drops what an issue is about, so the rest can still be resolved: one
 * entry of an object value (RunConfig.Memory, Env.PORT, MapDirs["x"], an
 * unknown key), or else the whole top-level value (a bad Dirs[1] drops
 * Dirs: its other entries would change index).
 */
function dropIssue(root: Record<string, unknown>, issue: z.core.$ZodIssue) {
  const { path } = issue;
  const keys = (issue as { keys?: string[] }).keys ?? [];
  if (path.length === 0) {
    for (const key of keys) delete root[key];
    return;
  }
  const top = String(path[0]);
  const value = root[top];
  if (!isObject(value)) delete root[top];
  else if (path.length > 1) delete value[String(path[1])];
  else if (keys.length > 0) for (const key of keys) delete value[key];
  else delete root[top];
}

/**
 * Checks a parsed config.json and returns every problem with its key path
 * together with the part that is valid, so that later checks (paths on
 * disk, the program) can report their problems in the same error.
 */
export function checkConfig(value: unknown): CheckedConfig {
  if (!isObject(value)) {
    return {
      config: {},
      problems: [
        `the top level must be a JSON object like {"Args": []}, got ` +
          describe(value),
      ],
    };
  }
  const first = configSchema.safeParse(value);
  if (first.success) return { config: first.data as RawConfig, problems: [] };
  const problems = first.error.issues.flatMap((i) => problemOf(i, value));
  const rest = structuredClone(value);
  let issues = first.error.issues;
  // Dropping a value can expose nothing new; two rounds are enough, the
  // rest are a guard.
  for (let round = 0; round < 4; round++) {
    for (const issue of issues) dropIssue(rest, issue);
    const again = configSchema.safeParse(rest);
    if (again.success) return { config: again.data as RawConfig, problems };
    issues = again.error.issues;
  }
  return { config: {}, problems };
}

/**
 * Checks a parsed config.json. Returns it typed, or throws one UserError
 * (code CONFIG_INVALID) listing every problem with its key path.
 * `source` names where the value came from (a file path) in the message.
 */
export function validateConfig(
  value: unknown,
  source: string | undefined,
): RawConfig {
  const { config, problems } = checkConfig(value);
  if (problems.length > 0) throw configError(source, problems);
  return config;
}
