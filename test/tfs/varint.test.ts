import { describe, expect, it } from 'vitest';
import {
  ByteReader,
  ByteWriter,
  TYPE_BUFFER,
  TYPE_STRING,
  TYPE_TUPLE,
  encodeVarint,
  readHeader,
  readVarint,
  writeHeader,
} from '../../src/tfs/varint.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('varint (§2.2)', () => {
  const table: [number | bigint, string][] = [
    [0, '00'],
    [5, '05'],
    [127, '7F'],
    [128, '8100'],
    [159, '811F'],
    [300, '822C'],
    [1024, '8800'],
    [1025, '8801'],
    [3073, '9801'],
    [16384, '818000'],
    [65536, '848000'],
  ];
  it.each(table)('%s encodes as %s', (value, bytes) => {
    expect(hex(encodeVarint(value))).toBe(bytes);
    expect(readVarint(new ByteReader(Buffer.from(bytes, 'hex')))).toBe(
      Number(value),
    );
  });

  it('round-trips 64-bit values as bigint', () => {
    const max = (1n << 64n) - 1n;
    const enc = encodeVarint(max);
    expect(enc.length).toBe(10);
    expect(readVarint(new ByteReader(enc))).toBe(max);
    expect(() => encodeVarint(1n << 64n)).toThrow(RangeError);
    expect(() => encodeVarint(-1)).toThrow(RangeError);
  });
});

describe('value header (§2.5.1)', () => {
  const header = (imm: boolean, type: number, len: number) => {
    const w = new ByteWriter();
    writeHeader(w, imm, type, len);
    return hex(w.toBuffer());
  };
  it('matches the spec examples', () => {
    expect(header(true, TYPE_BUFFER, 8)).toBe('8808');
    expect(header(true, TYPE_BUFFER, 11)).toBe('880B');
    expect(header(true, TYPE_STRING, 1024)).toBe('C88800');
    expect(header(true, TYPE_TUPLE, 300)).toBe('9A2C');
    expect(header(false, TYPE_BUFFER, 12)).toBe('080C');
    expect(header(false, TYPE_BUFFER, 5)).toBe('05');
    expect(header(true, TYPE_TUPLE, 4)).toBe('94');
    expect(header(true, TYPE_TUPLE, 7)).toBe('97');
  });

  it('decodes what it encodes, for lengths around each boundary', () => {
    for (const len of [0, 7, 8, 1023, 1024, 131071, 131072, 2 ** 40]) {
      const w = new ByteWriter();
      writeHeader(w, true, TYPE_STRING, len);
      const h = readHeader(new ByteReader(w.toBuffer()));
      expect(h).toEqual({ immediate: true, type: TYPE_STRING, length: len });
    }
  });

  it('reads the version-4 layout', () => {
    // v4: I=1, T=1 (tuple), X=0, length 20 in five bits.
    const h = readHeader(new ByteReader(Buffer.from([0xc0 | 20])), true);
    expect(h).toEqual({ immediate: true, type: 1, length: 20 });
    const ext = readHeader(new ByteReader(Buffer.from([0xa1, 0x05])), true);
    expect(ext).toEqual({ immediate: true, type: 0, length: 133 });
  });
});
