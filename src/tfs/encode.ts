// Encodes tuples into TFS version-5 records, keeping the log's dictionary
// so repeated symbols and repeated tuples (hard links) become references.
// Spec: nanos-disk-format.md §2.5.
import { FLAG, Tuple, type TfsValue } from './value.js';
import {
  ByteWriter,
  TYPE_BUFFER,
  TYPE_INTEGER,
  TYPE_STRING,
  TYPE_TUPLE,
  TYPE_VECTOR,
  writeHeader,
  writeVarint,
} from './varint.js';

/**
 * One encoder per filesystem log: its dictionary counter spans every
 * record written through it (§2.5.3).
 */
export class TfsEncoder {
  private next = 1;
  private readonly symbols = new Map<string, number>();
  private readonly tuples = new Map<Tuple, number>();

  /** Encodes one record: an immediate tuple (or a reference, if seen). */
  encodeRecord(tuple: Tuple): Buffer {
    const out = new ByteWriter(4096);
    this.value(out, tuple);
    return out.toBuffer();
  }

  private symbol(out: ByteWriter, name: string): void {
    const index = this.symbols.get(name);
    if (index !== undefined) {
      writeHeader(out, false, TYPE_BUFFER, index);
      return;
    }
    const n = Buffer.byteLength(name, 'utf8');
    writeHeader(out, true, TYPE_BUFFER, n);
    out.utf8(name, n);
    this.symbols.set(name, this.next++);
  }

  private value(out: ByteWriter, v: TfsValue): void {
    if (typeof v === 'string') {
      const n = Buffer.byteLength(v, 'utf8');
      writeHeader(out, true, TYPE_STRING, n);
      out.utf8(v, n);
    } else if (typeof v === 'bigint') {
      writeHeader(out, true, TYPE_INTEGER, v < 0n ? 1 : 0);
      writeVarint(out, v < 0n ? -v : v);
    } else if (v === FLAG) {
      out.byte(0x81);
      out.byte(0x00);
    } else if (v instanceof Tuple) {
      this.tuple(out, v);
    } else if (Array.isArray(v)) {
      writeHeader(out, true, TYPE_VECTOR, v.length);
      this.next++;
      for (const e of v) this.value(out, e);
    } else if (v instanceof Uint8Array) {
      if (v.length === 0) {
        // 80 is nil, which deletes the key: not what an empty buffer means.
        throw new TypeError('an empty byte buffer cannot be stored in TFS');
      }
      writeHeader(out, true, TYPE_BUFFER, v.length);
      out.bytes(v);
    } else {
      throw new TypeError(`not a TFS value: ${String(v)}`);
    }
  }

  private tuple(out: ByteWriter, t: Tuple): void {
    const seen = this.tuples.get(t);
    if (seen !== undefined) {
      // A tuple met again (hard link): a reference with 0 entries.
      writeHeader(out, false, TYPE_TUPLE, 0);
      writeVarint(out, seen);
      return;
    }
    writeHeader(out, true, TYPE_TUPLE, t.size);
    this.tuples.set(t, this.next++);
    for (const [key, v] of t) {
      this.symbol(out, key);
      this.value(out, v);
    }
  }
}
