import { describe, expect, it } from 'vitest';
import {
  checkBootImage,
  chsBytes,
  encodePartition,
  stubBootSector,
  withPartitionTable,
} from '../../src/image/mbr.js';
import { locatePartitions } from '../../src/image/read.js';
import { hex, syntheticBootImg } from './fixtures.js';

describe('CHS (§1.4 quirk)', () => {
  it.each([
    [103 * 512, '012900'],
    [(103 + 24576 - 1) * 512, '882e01'],
    [24679 * 512, '882f01'],
    [(24679 + 1026 - 1) * 512, '990101'],
    [0, '000100'],
    // Cylinder 1023+ is clamped to 1023/254/63: middle byte (3 | 63).
    [1024 * 255 * 63 * 512, 'fe3fff'],
  ])('offset %i gives %s', (offset, bytes) => {
    expect(Buffer.from(chsBytes(offset)).toString('hex')).toBe(bytes);
  });

  it('ORs cylinder bits 8-9 into the low bits of the middle byte', () => {
    // s = 300 cylinders: cyl 300 = 0x12C, sec 1 -> (1 | 1) = 1, low 0x2C.
    const s = 300 * 255 * 63;
    expect(Buffer.from(chsBytes(s * 512)).toString('hex')).toBe('00012c');
  });
});

describe('partition table', () => {
  it('encodes the §4.1 entries exactly', () => {
    const table = withPartitionTable(syntheticBootImg(), [
      { type: 0x83, offsetBytes: 0xce00, sizeBytes: 12 * 1024 * 1024 },
      { type: 0x83, offsetBytes: 0xc0ce00, sizeBytes: 1026 * 512 },
    ]);
    expect(table.subarray(0x1be).toString('hex')).toBe(
      hex(
        '80 01 29 00 83 88 2E 01 67 00 00 00 00 60 00 00' +
          '80 88 2F 01 83 99 01 01 67 60 00 00 02 04 00 00' +
          '00'.repeat(32) +
          '55 AA',
      ).toString('hex'),
    );
    expect(
      table.subarray(0, 0x1be).equals(syntheticBootImg().subarray(0, 0x1be)),
    ).toBe(true);
  });

  it('refuses a partition beyond the 32-bit LBA range', () => {
    expect(() =>
      encodePartition({ type: 0x83, offsetBytes: 512, sizeBytes: 2 ** 42 }),
    ).toThrow(/2 TiB/);
  });

  it('is located with the ESP rule and the raw fallback', () => {
    const esp = withPartitionTable(stubBootSector(), [
      { type: 0xef, offsetBytes: 4608, sizeBytes: 33 * 1024 * 1024 },
      { type: 0x83, offsetBytes: 4608 + 33 * 1024 * 1024, sizeBytes: 12 << 20 },
      { type: 0x83, offsetBytes: 4608 + 45 * 1024 * 1024, sizeBytes: 1 << 20 },
    ]);
    const parts = locatePartitions(esp, 4608 + 50 * 1024 * 1024);
    expect(parts.layout).toBe('mbr-esp');
    expect(parts.esp).toEqual({ offsetBytes: 4608, sizeBytes: 33 << 20 });
    expect(parts.root.offsetBytes).toBe(4608 + (45 << 20));
    expect(parts.root.sizeBytes).toBe(5 << 20);
    expect(locatePartitions(Buffer.alloc(512), 1 << 20).layout).toBe('raw');
    expect(locatePartitions(stubBootSector(), 1 << 20).layout).toBe('raw');
  });
});

describe('boot.img checks (§1.2)', () => {
  it('takes L from the region record', () => {
    expect(checkBootImage(syntheticBootImg(), 'boot.img')).toBe(0xbc00);
  });

  it('rejects a wrong region type, as mkfs does', () => {
    expect(() =>
      checkBootImage(syntheticBootImg(0xbc00, 11), 'x/boot.img'),
    ).toThrow(/x\/boot.img: invalid boot record \(missing filesystem region\)/);
  });

  it('rejects a size that disagrees with L, and a missing 55 AA', () => {
    const img = syntheticBootImg();
    expect(() => checkBootImage(img.subarray(0, 1024), 'b')).toThrow(
      /size 1024/,
    );
    const bad = Buffer.from(img);
    bad[0x1ff] = 0;
    expect(() => checkBootImage(bad, 'b')).toThrow(/55 AA/);
  });

  it('builds the no-BIOS stub sector', () => {
    const s = stubBootSector();
    const nonZero = [...s.entries()].filter(([, b]) => b !== 0);
    expect(nonZero).toEqual([
      [0x1ab, 0x80],
      [0x1ba, 0x0c],
      [0x1fe, 0x55],
      [0x1ff, 0xaa],
    ]);
  });
});
