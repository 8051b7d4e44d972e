// TFS varints and value headers: big-endian base-128 (most significant
// 7-bit group first), NOT LEB128. Spec: nanos-disk-format.md §2.2, §2.5.1.

/** Largest value a TFS varint may hold (64 bits). */
const MAX_U64 = (1n << 64n) - 1n;

/** A growable byte buffer for encoders. */
export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.alloc(initialBytes);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Appends UTF-8 text of a known byte length (no temporary buffer). */
  utf8(text: string, byteLength: number): void {
    this.reserve(byteLength);
    this.length += this.buf.write(text, this.length, byteLength, 'utf8');
  }

  /** The bytes written so far (a copy, safe to keep). */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function checkRange(value: number | bigint): bigint {
  const v = BigInt(value);
  if (v < 0n || v > MAX_U64) {
    throw new RangeError(`varint out of range: ${value}`);
  }
  return v;
}

/** Appends `value` as a minimal TFS varint (§2.2). */
export function writeVarint(out: ByteWriter, value: number | bigint): void {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    let groups = 1;
    while (value >= 128 ** groups) groups++;
    for (let i = groups - 1; i >= 0; i--) {
      const g = Math.floor(value / 128 ** i) % 128;
      out.byte(i > 0 ? g | 0x80 : g);
    }
    return;
  }
  const v = checkRange(value);
  let groups = 1;
  while (v >> BigInt(7 * groups) > 0n) groups++;
  for (let i = groups - 1; i >= 0; i--) {
    const g = Number((v >> BigInt(7 * i)) & 0x7fn);
    out.byte(i > 0 ? g | 0x80 : g);
  }
}

/** Encodes one varint into a fresh buffer. */
export function encodeVarint(value: number | bigint): Buffer {
  const out = new ByteWriter(10);
  writeVarint(out, value);
  return out.toBuffer();
}

/** A cursor over bytes being decoded. Throws on reads past the end. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos >= this.end) throw new TfsFormatError('truncated data');
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Uint8Array {
    if (n > this.remaining) throw new TfsFormatError('truncated data');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** A malformed TFS structure; the message says what was wrong and where. */
export class TfsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfsFormatError';
  }
}

/**
 * Reads a varint. Returns a number when it fits exactly (< 2^53), else a
 * bigint. At most 10 bytes, as the kernel allows.
 */
export function readVarint(r: ByteReader): number | bigint {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    const b = r.byte();
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
  }
  throw new TfsFormatError('varint longer than 10 bytes');
}

/** Reads a varint that must fit in a JS number (sector, length, index). */
export function readVarintNumber(r: ByteReader): number {
  const v = readVarint(r);
  if (typeof v !== 'number') throw new TfsFormatError(`number too big: ${v}`);
  return v;
}

/** Value types (§2.5.1). */
export const TYPE_BUFFER = 0;
export const TYPE_TUPLE = 1;
export const TYPE_VECTOR = 2;
export const TYPE_INTEGER = 3;
export const TYPE_STRING = 4;

/** Appends a v5 value header with the minimal length encoding (§2.5.1). */
export function writeHeader(
  out: ByteWriter,
  immediate: boolean,
  type: number,
  length: number,
): void {
  const head = (immediate ? 0x80 : 0) | (type << 4);
  if (length < 8) {
    out.byte(head | length);
    return;
  }
  let words = 0;
  while (length >= 2 ** (3 + 7 * words)) words++;
  const top = Math.floor(length / 2 ** (7 * words));
  out.byte((immediate ? 0x80 : 0) | (type << 4) | (words > 0 ? 0x08 : 0) | top);
  for (let i = words - 1; i >= 0; i--) {
    const g = Math.floor(length / 2 ** (7 * i)) % 128;
    out.byte(i > 0 ? g | 0x80 : g);
  }
}

export interface Header {
  immediate: boolean;
  type: number;
  length: number;
}

/**
 * Reads a value header. `oldEncoding` selects the version-4 layout
 * (1 type bit, 5 length bits; §2.5.6).
 */
export function readHeader(r: ByteReader, oldEncoding = false): Header {
  let a = r.byte();
  const immediate = (a & 0x80) !== 0;
  const type = oldEncoding ? (a >> 6) & 1 : (a >> 4) & 7;
  let length = a & (oldEncoding ? 0x1f : 0x07);
  if (a & (oldEncoding ? 0x20 : 0x08)) {
    let n = 0;
    do {
      if (++n > 10) throw new TfsFormatError('header length too long');
      a = r.byte();
      length = length * 128 + (a & 0x7f);
    } while (a & 0x80);
  }
  if (!Number.isSafeInteger(length)) {
    throw new TfsFormatError(`header length too big: ${length}`);
  }
  return { immediate, type, length };
}
