// Lays encoded records out into TFS log extensions with the canonical
// (ops) splitting algorithm. Spec: nanos-disk-format.md §2.3, §2.4, §2.10.
import { UserError } from '../errors.js';
import { ByteWriter, writeVarint } from './varint.js';

export const SECTOR_BYTES = 512;
/** Every extension after the initial one: 1024 sectors (512 KiB). */
export const EXTENSION_SECTORS = 1024;
export const TFS_MAGIC = Buffer.from('NVMTFS', 'ascii');
export const TFS_VERSION = 5;
export const UUID_BYTES = 16;
export const MAX_LABEL_BYTES = 31;

export const FRAME_END_OF_LOG = 1;
export const FRAME_TUPLE_AVAILABLE = 2;
export const FRAME_TUPLE_EXTENDED = 3;
export const FRAME_END_OF_SEGMENT = 4;
export const FRAME_LINK = 5;

// Worst-case sizes of a link frame and of a record frame header (§2.4).
const LINK_RESERVE = 21;
const HDR_RESERVE = 21;
const MIN_FREE = LINK_RESERVE + HDR_RESERVE + 32;

/** One log extension: its first fs sector and its full padded bytes. */
export interface LogExtension {
  sector: number;
  bytes: Buffer;
}

export interface TfsLogInput {
  /** Encoded records, in order; the first must be the root tuple. */
  records: Buffer[];
  /**
   * Called when the log needs another 1024-sector extension; returns its
   * first fs sector (canonically the next free sector after the data).
   */
  allocateExtension: () => number;
}

/** Checks a TFS label: at most 31 UTF-8 bytes, no NUL (§2.3). */
export function validateLabel(label: string, what = 'label'): Buffer {
  const bytes = Buffer.from(label, 'utf8');
  if (bytes.length > MAX_LABEL_BYTES || bytes.includes(0)) {
    throw new UserError(
      'TFS_LABEL_INVALID',
      `${what} "${label}" is ${bytes.length} bytes; at most ` +
        `${MAX_LABEL_BYTES} bytes without NUL are allowed`,
      { hint: 'use a shorter label' },
    );
  }
  return bytes;
}

function extensionHeader(out: ByteWriter, sizeSectors: number): void {
  out.bytes(TFS_MAGIC);
  writeVarint(out, TFS_VERSION);
  writeVarint(out, sizeSectors);
}

function link(out: ByteWriter, sector: number): void {
  out.byte(FRAME_LINK);
  writeVarint(out, sector);
  writeVarint(out, EXTENSION_SECTORS);
  // The kernel writes END_OF_LOG after a link; it is never read (§2.4 R1).
  out.byte(FRAME_END_OF_LOG);
}

function padded(out: ByteWriter, sizeBytes: number): Buffer {
  const b = Buffer.alloc(sizeBytes);
  out.toBuffer().copy(b);
  return b;
}

/** fs sector 0: header, UUID, label, link to the extension at sector 1. */
export function initialSector(uuid: Uint8Array, label: string): Buffer {
  if (uuid.length !== UUID_BYTES) {
    throw new RangeError(`TFS UUID must be 16 bytes, got ${uuid.length}`);
  }
  const init = new ByteWriter(SECTOR_BYTES);
  extensionHeader(init, 1);
  init.bytes(uuid);
  init.bytes(validateLabel(label));
  init.byte(0);
  link(init, 1);
  return padded(init, SECTOR_BYTES);
}

/**
 * Lays the records out into the extension chain that starts at sector 1
 * (§2.4 splitting). Sector 0 comes from initialSector().
 */
export function writeTfsLog(input: TfsLogInput): LogExtension[] {
  const extSize = EXTENSION_SECTORS * SECTOR_BYTES;
  const extensions: LogExtension[] = [];
  let sector = 1;
  let cur = new ByteWriter(extSize);
  extensionHeader(cur, EXTENSION_SECTORS);
  const openNext = () => {
    const next = input.allocateExtension();
    link(cur, next);
    extensions.push({ sector, bytes: padded(cur, extSize) });
    sector = next;
    cur = new ByteWriter(extSize);
    extensionHeader(cur, EXTENSION_SECTORS);
  };

  for (const record of input.records) {
    const total = record.length;
    let written = 0;
    while (written < total) {
      if (extSize - cur.length < MIN_FREE) openNext();
      const chunk = Math.min(total - written, extSize - cur.length - 42);
      if (written === 0) {
        cur.byte(FRAME_TUPLE_AVAILABLE);
        writeVarint(cur, total);
      } else {
        cur.byte(FRAME_TUPLE_EXTENDED);
      }
      writeVarint(cur, chunk);
      cur.bytes(record.subarray(written, written + chunk));
      written += chunk;
    }
  }
  cur.byte(FRAME_END_OF_LOG);
  extensions.push({ sector, bytes: padded(cur, extSize) });
  return extensions;
}
