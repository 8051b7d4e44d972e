// The values a TFS tuple can hold, as Skiff's writer and reader see them.

/** The "flag" value: the key is present, with no content (bytes 81 00). */
export const FLAG: unique symbol = Symbol('flag');
export type Flag = typeof FLAG;

/**
 * A tuple: an ordered map from symbol to value. Insertion order is the
 * order written, which keeps images reproducible. The same Tuple object
 * reached twice is written once and then referenced (a hard link).
 */
export class Tuple extends Map<string, TfsValue> {}

/**
 * Raw bytes (type 0 buffer). Text should be a `string` (type 4); numbers a
 * `bigint` (type 3, integer).
 */
export type TfsValue = string | bigint | Flag | Uint8Array | TfsValue[] | Tuple;
