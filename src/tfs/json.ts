// Turns TFS values into plain JSON-able values for display and tests.
import { FLAG, Tuple, type TfsValue } from './value.js';

export type JsonValue =
  string | number | boolean | JsonValue[] | { [key: string]: JsonValue };

/**
 * Tuples become objects (insertion order), vectors arrays, integers numbers
 * (decimal strings when beyond 2^53), the flag `true`, buffers UTF-8 text.
 * A tuple met again (hard link or cycle) becomes the string "<ref>".
 */
export function tfsToJson(v: TfsValue, seen = new Set<Tuple>()): JsonValue {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v.toString();
  }
  if (v === FLAG) return true;
  if (v instanceof Tuple) {
    if (seen.has(v)) return '<ref>';
    seen.add(v);
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of v) out[k] = tfsToJson(x, seen);
    seen.delete(v);
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => tfsToJson(x, seen));
  return Buffer.from(v).toString('utf8');
}
