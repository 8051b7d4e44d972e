// Decodes TFS records (versions 5 and 4) into tuples, replaying them into
// one dictionary the way the kernel does. Spec: nanos-disk-format.md §2.5.
import { FLAG, Tuple, type TfsValue } from './value.js';
import {
  ByteReader,
  TfsFormatError,
  TYPE_INTEGER,
  TYPE_STRING,
  TYPE_TUPLE,
  TYPE_VECTOR,
  readHeader,
  readVarint,
  readVarintNumber,
} from './varint.js';

type DictEntry = Tuple | TfsValue[] | string;

/** Replays records into a dictionary. Index 1 is the root after replay. */
export class TfsDecoder {
  private next = 1;
  private readonly dict = new Map<number, DictEntry>();

  /** The root tuple (dictionary entry 1), once the first record is read. */
  root(): Tuple | undefined {
    const r = this.dict.get(1);
    return r instanceof Tuple ? r : undefined;
  }

  /**
   * Decodes one record. With `exact`, the record must consume exactly
   * `bytes.length` (stricter than the kernel; right for v5 logs).
   */
  decodeRecord(bytes: Uint8Array, oldEncoding: boolean, exact: boolean): void {
    const r = new ByteReader(bytes);
    const first = this.next === 1;
    const v = this.value(r, oldEncoding);
    if (!(v instanceof Tuple)) {
      throw new TfsFormatError('a log record is not a tuple');
    }
    if (first && this.dict.get(1) !== v) {
      throw new TfsFormatError('the first record is not an immediate tuple');
    }
    if (exact && r.pos !== bytes.length) {
      throw new TfsFormatError(
        `record of ${bytes.length} bytes decoded in ${r.pos} bytes`,
      );
    }
  }

  private lookup(index: number, what: string): DictEntry {
    const e = this.dict.get(index);
    if (e === undefined) {
      throw new TfsFormatError(
        `indirect ${what} not found: 0x${index.toString(16)}`,
      );
    }
    return e;
  }

  private key(r: ByteReader, old: boolean): string {
    const h = readHeader(r, old);
    if (h.immediate) {
      const name = Buffer.from(r.bytes(h.length)).toString('utf8');
      this.dict.set(this.next++, name);
      return name;
    }
    const s = this.lookup(h.length, 'symbol');
    if (typeof s !== 'string') throw new TfsFormatError('key is not a symbol');
    return s;
  }

  /** Decodes one value; `undefined` is nil. */
  private value(r: ByteReader, old: boolean): TfsValue | undefined {
    const h = readHeader(r, old);
    if (h.type === TYPE_TUPLE) {
      let t: DictEntry;
      if (h.immediate) {
        t = new Tuple();
        this.dict.set(this.next++, t);
      } else {
        t = this.lookup(readVarintNumber(r), 'value');
        if (!(t instanceof Tuple)) throw new TfsFormatError('not a tuple');
      }
      for (let i = 0; i < h.length; i++) {
        const k = this.key(r, old);
        const v = this.value(r, old);
        if (v === undefined) t.delete(k);
        else t.set(k, v);
      }
      return t;
    }
    if (h.type === TYPE_VECTOR && !old) {
      let vec: DictEntry;
      if (h.immediate) {
        vec = [];
        this.dict.set(this.next++, vec);
      } else {
        vec = this.lookup(readVarintNumber(r), 'value');
        if (!Array.isArray(vec)) throw new TfsFormatError('not a vector');
      }
      for (let i = 0; i < h.length; i++) {
        const v = this.value(r, old);
        if (v !== undefined) vec[i] = v;
      }
      return vec;
    }
    if (h.type === TYPE_INTEGER && !old) {
      if (!h.immediate) throw new TfsFormatError('reference integer');
      const n = BigInt(readVarint(r));
      return h.length > 0 ? -n : n;
    }
    // Strings and buffers: length 0 is nil in both (kernel decode_value).
    if (h.length === 0) return undefined;
    if (!h.immediate) {
      const e = this.lookup(
        h.length,
        h.type === TYPE_STRING ? 'string' : 'buffer',
      );
      return e as TfsValue;
    }
    const data = r.bytes(h.length);
    if (h.type === TYPE_STRING && !old) {
      return Buffer.from(data).toString('utf8');
    }
    if (h.length === 1 && data[0] === 0) return FLAG;
    return Uint8Array.from(data);
  }
}
