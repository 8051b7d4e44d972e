// Reads config.json from disk: JSON syntax errors with line:column, then
// the strict schema.
import { readFile } from 'node:fs/promises';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
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

/**
 * Where and why JSON text is not JSON. Node's own message often has no
 * position ("Unexpected token ']', ... is not valid JSON"), so a JSON
 * scanner finds the first error.
 */
function syntaxProblem(body: string): { offset: number; reason: string } {
  const errors: ParseError[] = [];
  parse(body, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return { offset: body.length, reason: 'not valid JSON' };
  const found = body.slice(first.offset, first.offset + first.length);
  const trailingComma =
    /,\s*$/.test(body.slice(0, first.offset)) && /^[\]}]/.test(found);
  const words = trailingComma
    ? 'a trailing comma'
    : (SYNTAX_WORDS[printParseErrorCode(first.error)] ??
      printParseErrorCode(first.error)
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase());
  if (trailingComma) {
    return { offset: body.lastIndexOf(',', first.offset), reason: words };
  }
  const got = found ? ` (found ${JSON.stringify(found)})` : '';
  return { offset: first.offset, reason: `${words}${got}` };
}

const SYNTAX_WORDS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidCommentToken: 'a comment (JSON has none)',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'text after the end of the JSON value',
  UnexpectedEndOfString: 'a string that is never closed',
  InvalidCharacter: 'a control character inside a string',
};

/** Parses JSON text, naming `source:line:column` on a syntax error. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    const { offset, reason } = syntaxProblem(body);
    const { line, column } = lineColumn(body, offset);
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
