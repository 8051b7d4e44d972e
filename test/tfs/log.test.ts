import { describe, expect, it } from 'vitest';
import { TfsEncoder } from '../../src/tfs/encode.js';
import { readTfsLog } from '../../src/tfs/log-reader.js';
import {
  initialSector,
  writeTfsLog,
  type LogExtension,
} from '../../src/tfs/log-writer.js';
import { Tuple } from '../../src/tfs/value.js';

const EXT = 1024 * 512;

/** An in-memory TFS holding sector 0 and the given extensions. */
function disk(sector0: Buffer, exts: { sector: number; bytes: Buffer }[]) {
  const end = Math.max(1, ...exts.map((e) => e.sector * 512 + e.bytes.length));
  const d = Buffer.alloc(Math.max(end, 512));
  sector0.copy(d, 0);
  for (const e of exts) e.bytes.copy(d, e.sector * 512);
  return async (sector: number, count: number) => {
    if ((sector + count) * 512 > d.length) throw new Error('end of file');
    return d.subarray(sector * 512, (sector + count) * 512);
  };
}

function bigRoot(files: number): Tuple {
  const children = new Tuple();
  for (let i = 0; i < files; i++) {
    children.set(
      `file-${i}`,
      new Tuple([
        ['filelength', '1'],
        ['extents', new Tuple()],
      ]),
    );
  }
  return new Tuple([['children', children]]);
}

function layout(root: Tuple, firstFree = 5000) {
  let next = firstFree;
  const record = new TfsEncoder().encodeRecord(root);
  const exts = writeTfsLog({
    records: [record],
    allocateExtension: () => {
      const at = next;
      next += 1024;
      return at;
    },
  });
  return { record, exts };
}

describe('TFS log writer and reader', () => {
  it('splits a large record across extensions as §2.4/§4.4 say', async () => {
    const root = bigRoot(60000);
    const { record, exts } = layout(root);
    expect(record.length).toBeGreaterThan(2 * EXT);
    expect(exts.map((e) => e.sector)).toEqual([1, 5000, 6024]);
    for (const e of exts) expect(e.bytes.length).toBe(EXT);
    // Extension 1: header, then TUPLE_AVAILABLE total, chunk = 524288-9-42.
    const first = exts[0]!.bytes;
    expect(first.subarray(0, 9).toString('hex')).toBe('4e564d544653058800');
    expect(first[9]).toBe(2);
    // It ends with the link 05 <5000> 88 00 01 at the 21-byte reserve.
    const link = Buffer.from('05a708880001', 'hex');
    const pos = first.lastIndexOf(link);
    expect(pos).toBeGreaterThan(EXT - 42);
    expect(first.subarray(pos + link.length).every((b) => b === 0)).toBe(true);
    // Extension 2 continues with TUPLE_EXTENDED.
    expect(exts[1]!.bytes[9]).toBe(3);

    const info = await readTfsLog(
      disk(initialSector(new Uint8Array(16), 'x'), exts),
    );
    expect(info.records).toBe(1);
    expect(info.label).toBe('x');
    expect(info.extensions.map((e) => e.sector)).toEqual([0, 1, 5000, 6024]);
    const ch = info.root.get('children') as Tuple;
    expect(ch.size).toBe(60000);
    expect([...ch.keys()].slice(-1)).toEqual(['file-59999']);
  });

  it('reads 04 frames, several records and a v4 extension', async () => {
    const s0 = initialSector(new Uint8Array(16), '');
    const ext = Buffer.alloc(EXT);
    // v4 extension header, 04 04, record 1 (root, v4), 04, record 2, 01.
    const rec1 = Buffer.from(
      'c1' + '88' + Buffer.from('children').toString('hex') + 'c0',
      'hex',
    );
    const rec2 = Buffer.from('41' + '01' + '81' + '61' + '81' + '62', 'hex');
    Buffer.concat([
      Buffer.from('4e564d544653048800', 'hex'),
      Buffer.from([4, 4, 2, rec1.length, rec1.length]),
      rec1,
      Buffer.from([4, 2, rec2.length, rec2.length]),
      rec2,
      Buffer.from([1]),
    ]).copy(ext);
    const info = await readTfsLog(disk(s0, [{ sector: 1, bytes: ext }]));
    expect(info.records).toBe(2);
    expect(Buffer.from(info.root.get('a') as Uint8Array).toString()).toBe('b');
  });

  const broken = async (patch: (e: LogExtension[]) => void) => {
    const { exts } = layout(bigRoot(3));
    patch(exts);
    return readTfsLog(disk(initialSector(new Uint8Array(16), ''), exts));
  };

  it('rejects a bad magic, version, frame code or overlapping link', async () => {
    await expect(broken((e) => (e[0]!.bytes[0] = 0))).rejects.toThrow(
      /magic mismatch/,
    );
    await expect(broken((e) => (e[0]!.bytes[6] = 6))).rejects.toThrow(
      /version mismatch \(read 6/,
    );
    await expect(broken((e) => (e[0]!.bytes[9] = 9))).rejects.toThrow(
      /unknown frame identifier 0x9/,
    );
    await expect(
      broken((e) => Buffer.from('0500880001', 'hex').copy(e[0]!.bytes, 9)),
    ).rejects.toThrow(/failed to reserve sectors \[0x0 0x400\)/);
    await expect(
      broken((e) => Buffer.from('05840000', 'hex').copy(e[0]!.bytes, 9)),
    ).rejects.toThrow(/zero-length extension/);
  });

  it('rejects a label without a terminator within 32 bytes', async () => {
    const s0 = initialSector(new Uint8Array(16), '');
    s0.fill(0x41, 24, 24 + 40);
    await expect(readTfsLog(disk(s0, []))).rejects.toThrow(/invalid label/);
  });

  it('rejects a label of 32 bytes when writing', () => {
    expect(() => initialSector(new Uint8Array(16), 'a'.repeat(32))).toThrow(
      /at most 31 bytes/,
    );
    expect(initialSector(new Uint8Array(16), 'a'.repeat(31))[24 + 31]).toBe(0);
  });
});
