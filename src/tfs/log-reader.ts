// Reads a TFS metadata log: follows the extension chain, reassembles
// split records and replays them. Accepts what the kernel accepts (v4
// headers, 04 frames, EAV records) and checks what it checks.
// Spec: nanos-disk-format.md §2.3, §2.4, §5.3.
import { TfsDecoder } from './decode.js';
import {
  FRAME_END_OF_LOG,
  FRAME_END_OF_SEGMENT,
  FRAME_LINK,
  FRAME_TUPLE_AVAILABLE,
  FRAME_TUPLE_EXTENDED,
  TFS_MAGIC,
  UUID_BYTES,
} from './log-writer.js';
import type { Tuple } from './value.js';
import { ByteReader, TfsFormatError, readVarintNumber } from './varint.js';

/** Reads `count` fs sectors from `sector`; must throw past the end. */
export type SectorReader = (sector: number, count: number) => Promise<Buffer>;

export interface SectorRange {
  sector: number;
  sectors: number;
}

export interface TfsLogInfo {
  /** Version of the initial extension (5, or 4 for the old encoding). */
  version: number;
  uuid: Buffer;
  label: string;
  root: Tuple;
  /** Every extension, the initial one (sector 0, 1 sector) first. */
  extensions: SectorRange[];
  records: number;
}

/** Formats a UUID as dump and ops print it: 4-2-2-2-6 lowercase hex. */
export function formatUuid(uuid: Uint8Array): string {
  const h = Buffer.from(uuid).toString('hex');
  return [
    h.slice(0, 8),
    h.slice(8, 12),
    h.slice(12, 16),
    h.slice(16, 20),
    h.slice(20),
  ].join('-');
}

function overlaps(a: SectorRange, b: SectorRange): boolean {
  return a.sector < b.sector + b.sectors && b.sector < a.sector + a.sectors;
}

interface OpenRecord {
  buf: Buffer;
  filled: number;
  old: boolean;
}

/** Reads and replays the whole log of the TFS that `read` addresses. */
export async function readTfsLog(read: SectorReader): Promise<TfsLogInfo> {
  const decoder = new TfsDecoder();
  const extensions: SectorRange[] = [{ sector: 0, sectors: 1 }];
  let uuid = Buffer.alloc(0);
  let label = '';
  let firstVersion = 0;
  let records = 0;
  let open: OpenRecord | undefined;
  let ext: SectorRange | undefined = extensions[0];

  while (ext) {
    const bytes = await read(ext.sector, ext.sectors);
    const r = new ByteReader(bytes);
    const where = `extension at sector ${ext.sector}`;
    if (!TFS_MAGIC.equals(r.bytes(6))) {
      throw new TfsFormatError(`tfs magic mismatch (${where})`);
    }
    const version = readVarintNumber(r);
    if (version !== 4 && version !== 5) {
      throw new TfsFormatError(
        `tfs version mismatch (read ${version}, build 5)`,
      );
    }
    const old = version === 4;
    readVarintNumber(r); // size field: not checked by the kernel
    if (ext.sector === 0) {
      firstVersion = version;
      uuid = Buffer.from(r.bytes(UUID_BYTES));
      const max = Math.min(32, r.remaining);
      const nul = Buffer.from(r.buf.subarray(r.pos, r.pos + max)).indexOf(0);
      if (nul < 0) throw new TfsFormatError('invalid label');
      label = Buffer.from(r.bytes(nul)).toString('utf8');
      r.byte();
    }
    let nextExt: SectorRange | undefined;
    frames: for (;;) {
      const code = r.byte();
      switch (code) {
        case FRAME_END_OF_LOG:
          break frames;
        case FRAME_END_OF_SEGMENT:
          continue;
        case FRAME_LINK: {
          const sector = readVarintNumber(r);
          const sectors = readVarintNumber(r);
          if (sectors === 0) throw new TfsFormatError('zero-length extension');
          nextExt = { sector, sectors };
          if (extensions.some((e) => overlaps(e, nextExt!))) {
            throw new TfsFormatError(
              `failed to reserve sectors [0x${sector.toString(16)} ` +
                `0x${(sector + sectors).toString(16)}) in log extension`,
            );
          }
          extensions.push(nextExt);
          break frames;
        }
        case FRAME_TUPLE_AVAILABLE: {
          const total = readVarintNumber(r);
          const len = readVarintNumber(r);
          if (open) {
            throw new TfsFormatError(
              `TUPLE_AVAILABLE read while already parsing tuple ` +
                `(${open.buf.length - open.filled} remaining)`,
            );
          }
          if (len > total || len + 1 > r.remaining) {
            throw new TfsFormatError(
              `TUPLE_AVAILABLE read with invalid or short available length ` +
                `(${len}, tuple_length: ${total}, buffer length: ${r.remaining})`,
            );
          }
          const piece = r.bytes(len);
          if (len === total) {
            decoder.decodeRecord(piece, old, !old);
            records++;
          } else {
            open = { buf: Buffer.alloc(total), filled: len, old };
            open.buf.set(piece, 0);
          }
          break;
        }
        case FRAME_TUPLE_EXTENDED: {
          const len = readVarintNumber(r);
          if (!open)
            throw new TfsFormatError('TUPLE_EXTENDED without a record');
          const left = open.buf.length - open.filled;
          if (len > left || len > r.remaining) {
            throw new TfsFormatError(
              `TUPLE_EXTENDED read of length ${len}, exceeding remainder ${left}`,
            );
          }
          open.buf.set(r.bytes(len), open.filled);
          open.filled += len;
          if (open.filled === open.buf.length) {
            decoder.decodeRecord(open.buf, open.old, !open.old);
            records++;
            open = undefined;
          }
          break;
        }
        default:
          throw new TfsFormatError(
            `unknown frame identifier 0x${code.toString(16)} (${where})`,
          );
      }
    }
    ext = nextExt;
  }

  const root = decoder.root();
  if (!root) throw new TfsFormatError('the log holds no root tuple');
  return { version: firstVersion, uuid, label, root, extensions, records };
}
