import { describe, expect, it } from 'vitest';
import { TfsDecoder } from '../../src/tfs/decode.js';
import { TfsEncoder } from '../../src/tfs/encode.js';
import { FLAG, Tuple } from '../../src/tfs/value.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function decode(...records: Buffer[]): Tuple {
  const d = new TfsDecoder();
  for (const r of records) d.decodeRecord(r, false, true);
  return d.root()!;
}

describe('TfsEncoder', () => {
  it('references a symbol the second time it is used', () => {
    const root = new Tuple([
      ['children', new Tuple()],
      ['a', new Tuple([['children', new Tuple()]])],
    ]);
    // 92 | 88 08 children (#2) | 90 (#3) | 81 'a' (#4) | 91 (#5) |
    // 02 = reference to symbol #2 | 90 (#6)
    expect(hex(new TfsEncoder().encodeRecord(root))).toBe(
      '92' +
        '8808' +
        hex(Buffer.from('children')) +
        '90' +
        '8161' +
        '91' +
        '02' +
        '90',
    );
  });

  it('writes a repeated tuple once, then as a 0-entry reference', () => {
    const file = new Tuple([['x', 'y']]);
    const root = new Tuple([
      [
        'children',
        new Tuple([
          ['a', file],
          ['b', file],
        ]),
      ],
    ]);
    const enc = new TfsEncoder().encodeRecord(root);
    // ... 81 'b' (#8) then 10 05: tuple reference, 0 entries, index 5.
    expect(hex(enc).endsWith('8162' + '1005')).toBe(true);
    const back = decode(enc);
    const ch = back.get('children') as Tuple;
    expect(ch.get('a')).toBe(ch.get('b'));
    expect((ch.get('a') as Tuple).get('x')).toBe('y');
  });

  it('encodes integers, flags, vectors, buffers and round-trips them', () => {
    const root = new Tuple([
      ['children', new Tuple()],
      ['n', 159n],
      ['neg', -5n],
      ['big', (1n << 63n) + 1n],
      ['debug_exit', FLAG],
      ['arguments', ['/hello', 'world']],
      ['raw', Uint8Array.from([1, 2, 3])],
      ['utf', 'héllo ✓'],
    ]);
    const enc = new TfsEncoder().encodeRecord(root);
    expect(hex(enc)).toContain('b0811f'); // integer 159
    expect(hex(enc)).toContain('b105'); // integer -5
    expect(hex(enc)).toContain('8100'); // flag
    const back = decode(enc);
    expect([...back]).toEqual([...root]);
  });

  it('rejects an empty buffer, which would decode as nil', () => {
    const root = new Tuple([['x', new Uint8Array(0)]]);
    expect(() => new TfsEncoder().encodeRecord(root)).toThrow(/empty/);
  });
});

describe('TfsDecoder', () => {
  it('applies EAV reference records and nil deletes', () => {
    // Root #1 {children:{} (#2 sym, #3), a:"1" (#4)}.
    const r1 = Buffer.from(
      '92' + '8808' + hex(Buffer.from('children')) + '90' + '8161' + 'c131',
      'hex',
    );
    // Reference to #1 with 2 entries: a (sym #4) = nil (80), b = "2".
    const r2 = Buffer.from('1201' + '04' + '80' + '8162' + 'c132', 'hex');
    const root = decode(r1, r2);
    expect(root.has('a')).toBe(false);
    expect(root.get('b')).toBe('2');
  });

  it('fails on an unknown index and on trailing bytes', () => {
    const d = new TfsDecoder();
    expect(() =>
      d.decodeRecord(Buffer.from('9107', 'hex'), false, true),
    ).toThrow(/indirect symbol not found/);
    const e = new TfsDecoder();
    expect(() =>
      e.decodeRecord(Buffer.from('9000', 'hex'), false, true),
    ).toThrow(/decoded in 1 bytes/);
  });

  it('decodes the version-4 encoding (buffers and tuples only)', () => {
    // v4: tuple 1 entry = C1; key "program" = 87 ...; buffer "/a" = 82 2F 61
    const rec = Buffer.from(
      'c1' + '87' + hex(Buffer.from('program')) + '82' + hex(Buffer.from('/a')),
      'hex',
    );
    const d = new TfsDecoder();
    d.decodeRecord(rec, true, false);
    expect(Buffer.from(d.root()!.get('program') as Uint8Array).toString()).toBe(
      '/a',
    );
  });
});
