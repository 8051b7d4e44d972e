// ManifestPassthrough values (JSON) as TFS values.
import { UserError } from '../errors.js';
import { Tuple, type TfsValue } from '../tfs/value.js';

/**
 * string -> string, number -> its decimal string, true -> "t", array ->
 * vector, object -> tuple. false and null mean "no key" (undefined).
 */
export function toTfsValue(value: unknown, key: string): TfsValue | undefined {
  if (value === null || value === false) return undefined;
  if (value === true) return 't';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => {
      const out = toTfsValue(v, `${key}[${i}]`);
      return out === undefined ? [] : [out];
    });
  }
  if (typeof value === 'object') {
    const tuple = new Tuple();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const out = toTfsValue(v, `${key}.${k}`);
      if (out !== undefined) tuple.set(k, out);
    }
    return tuple;
  }
  throw new UserError(
    'CONFIG_INVALID',
    `ManifestPassthrough.${key}: cannot store ${typeof value} in a manifest`,
    { hint: 'use a string, number, boolean, array or object' },
  );
}

/** A string map as a tuple, in key order as given. */
export function tupleOf(map: Record<string, string>): Tuple {
  const tuple = new Tuple();
  for (const [k, v] of Object.entries(map)) tuple.set(k, v);
  return tuple;
}
