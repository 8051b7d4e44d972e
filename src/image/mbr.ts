// Sector 0: the boot.img region record, the no-BIOS stub, and the MBR
// partition table with Nanos's CHS quirk. Spec: nanos-disk-format.md
// §1.2-1.4.
import { UserError } from '../errors.js';

export const SECTOR = 512;
export const REGION_OFFSET = 0x1aa;
export const REGION_FILESYSTEM = 12;
export const PARTITION_TABLE_OFFSET = 0x1be;
export const PART_TYPE_ESP = 0xef;
export const PART_TYPE_TFS = 0x83;
/** KLOG: 4096 bytes right before the first partition (§1.3). */
export const KLOG_BYTES = 4096;

export interface RegionRecord {
  base: bigint;
  /** stage2 length L in bytes. */
  lengthBytes: number;
  type: number;
}

/** Reads the region record at 0x1AA of sector 0. */
export function readRegionRecord(sector0: Uint8Array): RegionRecord {
  const b = Buffer.from(sector0.buffer, sector0.byteOffset, SECTOR);
  return {
    base: b.readBigUInt64LE(REGION_OFFSET),
    lengthBytes: Number(b.readBigUInt64LE(REGION_OFFSET + 8)),
    type: b.readUInt32LE(REGION_OFFSET + 16),
  };
}

/** The 512-byte stub for platforms with no BIOS loader (L = 0). */
export function stubBootSector(): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.writeBigUInt64LE(0x8000n, REGION_OFFSET);
  b.writeUInt32LE(REGION_FILESYSTEM, REGION_OFFSET + 16);
  b[0x1fe] = 0x55;
  b[0x1ff] = 0xaa;
  return b;
}

/**
 * Checks boot.img as mkfs does and returns L. Rejects a missing 55 AA,
 * a region type other than 12, and a file size other than 512 + L.
 */
export function checkBootImage(bootImg: Uint8Array, name: string): number {
  const bad = (why: string) =>
    new UserError('BOOT_IMAGE_INVALID', `${name}: ${why}`, {
      hint: 'use the boot.img of the same Nanos release as the kernel',
    });
  if (bootImg.length < SECTOR) throw bad('shorter than 512 bytes');
  if (bootImg[0x1fe] !== 0x55 || bootImg[0x1ff] !== 0xaa) {
    throw bad('sector 0 lacks the 55 AA signature');
  }
  const region = readRegionRecord(bootImg);
  if (region.type !== REGION_FILESYSTEM) {
    throw bad(
      `invalid boot record (missing filesystem region): type ${region.type}`,
    );
  }
  if (region.lengthBytes % SECTOR !== 0) {
    throw bad(`stage2 length ${region.lengthBytes} is not a multiple of 512`);
  }
  if (bootImg.length !== SECTOR + region.lengthBytes) {
    throw bad(
      `size ${bootImg.length} does not match 512 + stage2 length ` +
        `${region.lengthBytes}`,
    );
  }
  return region.lengthBytes;
}

/** The 3 CHS bytes Nanos writes for a byte offset (§1.4 quirk). */
export function chsBytes(offsetBytes: number): [number, number, number] {
  const s = Math.floor(offsetBytes / SECTOR);
  let cyl = Math.floor(Math.floor(s / 63) / 255);
  let head = Math.floor(s / 63) % 255;
  let sec = (s % 63) + 1;
  if (cyl > 1023) {
    cyl = 1023;
    head = 254;
    sec = 63;
  }
  return [head, ((cyl >> 8) | sec) & 0xff, cyl & 0xff];
}

export interface PartitionEntry {
  type: number;
  offsetBytes: number;
  sizeBytes: number;
}

/** Encodes one 16-byte partition entry. */
export function encodePartition(p: PartitionEntry): Buffer {
  const e = Buffer.alloc(16);
  const lba = p.offsetBytes / SECTOR;
  const count = p.sizeBytes / SECTOR;
  if (!Number.isInteger(lba) || !Number.isInteger(count)) {
    throw new RangeError('partition not sector-aligned');
  }
  if (lba > 0xffffffff || count > 0xffffffff) {
    throw new UserError(
      'IMAGE_TOO_LARGE',
      `partition of ${p.sizeBytes} bytes at ${p.offsetBytes} exceeds the ` +
        'MBR limit of 2 TiB',
      { hint: 'use a smaller image size' },
    );
  }
  e[0] = 0x80;
  e.set(chsBytes(p.offsetBytes), 1);
  e[4] = p.type;
  e.set(chsBytes(p.offsetBytes + p.sizeBytes - SECTOR), 5);
  e.writeUInt32LE(lba, 8);
  e.writeUInt32LE(count, 12);
  return e;
}

/** Writes up to 4 entries into a copy of sector 0 (the rest zeroed). */
export function withPartitionTable(
  sector0: Uint8Array,
  entries: PartitionEntry[],
): Buffer {
  const out = Buffer.alloc(SECTOR);
  out.set(sector0.subarray(0, SECTOR));
  out.fill(0, PARTITION_TABLE_OFFSET, PARTITION_TABLE_OFFSET + 64);
  entries.forEach((p, i) =>
    encodePartition(p).copy(out, PARTITION_TABLE_OFFSET + 16 * i),
  );
  return out;
}

/** A partition as read back from a table. */
export interface PartitionRecord {
  index: number;
  status: number;
  type: number;
  firstLba: number;
  sectors: number;
}

/** Parses the table; undefined when sector 0 has no 55 AA. */
export function parsePartitionTable(
  sector0: Uint8Array,
): PartitionRecord[] | undefined {
  const b = Buffer.from(sector0.buffer, sector0.byteOffset, SECTOR);
  if (b[0x1fe] !== 0x55 || b[0x1ff] !== 0xaa) return undefined;
  const out: PartitionRecord[] = [];
  for (let i = 0; i < 4; i++) {
    const o = PARTITION_TABLE_OFFSET + 16 * i;
    out.push({
      index: i,
      status: b[o]!,
      type: b[o + 4]!,
      firstLba: b.readUInt32LE(o + 8),
      sectors: b.readUInt32LE(o + 12),
    });
  }
  return out;
}
