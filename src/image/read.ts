// Opens a disk image for reading with positional reads (never the whole
// image in memory): partitions (§1.4, ESP variant, raw fallback), the
// root and boot filesystems, the manifest, and the KLOG area (§1.3).
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UserError, describeFsError } from '../errors.js';
import { tfsToJson, type JsonValue } from '../tfs/json.js';
import type { Tuple } from '../tfs/value.js';
import { TfsFormatError } from '../tfs/varint.js';
import {
  TfsVolume,
  type ByteRangeReader,
  type TfsEntry,
  type TfsStat,
} from '../tfs/volume.js';
import {
  KLOG_BYTES,
  PART_TYPE_ESP,
  SECTOR,
  parsePartitionTable,
} from './mbr.js';

export type { TfsEntry, TfsStat } from '../tfs/volume.js';
export { TfsVolume } from '../tfs/volume.js';

/** A byte range of the image. */
export interface ImageRegion {
  offsetBytes: number;
  sizeBytes: number;
}

export interface ImagePartitions {
  /** `raw`: no usable table, one TFS at offset 0 (§1.1 variant D). */
  layout: 'mbr' | 'mbr-esp' | 'raw';
  esp?: ImageRegion;
  boot?: ImageRegion;
  /** The kernel's view: from the rootfs first LBA to the end of the image. */
  root: ImageRegion;
  /** The rootfs sector count in the table, × 512 (not used by the kernel). */
  rootTableBytes?: number;
}

/** The kernel's exit record (§1.3). */
export interface KlogRecord {
  offsetBytes: number;
  bootId: bigint;
  exitCode: number;
  text: string;
}

/** Locates the partitions as stage2, the kernel and dump do (§1.4). */
export function locatePartitions(
  sector0: Buffer,
  imageBytes: number,
): ImagePartitions {
  const table = parsePartitionTable(sector0);
  const raw: ImagePartitions = {
    layout: 'raw',
    root: { offsetBytes: 0, sizeBytes: imageBytes },
  };
  if (!table) return raw;
  const esp = table[0]!.type === PART_TYPE_ESP;
  const [espE, bootE, rootE] = esp
    ? [table[0]!, table[1]!, table[2]!]
    : [undefined, table[0]!, table[1]!];
  if (rootE.firstLba === 0 || rootE.sectors === 0) return raw;
  const region = (lba: number, sectors: number) => ({
    offsetBytes: lba * SECTOR,
    sizeBytes: sectors * SECTOR,
  });
  const out: ImagePartitions = {
    layout: esp ? 'mbr-esp' : 'mbr',
    root: {
      offsetBytes: rootE.firstLba * SECTOR,
      sizeBytes: imageBytes - rootE.firstLba * SECTOR,
    },
    rootTableBytes: rootE.sectors * SECTOR,
  };
  if (espE) out.esp = region(espE.firstLba, espE.sectors);
  if (bootE.firstLba !== 0 && bootE.sectors !== 0) {
    out.boot = region(bootE.firstLba, bootE.sectors);
  }
  return out;
}

/** An opened image. Call close() when done. */
export class ImageReader {
  private bootVolume: Promise<TfsVolume> | undefined;

  private constructor(
    readonly path: string,
    readonly sizeBytes: number,
    readonly partitions: ImagePartitions,
    /** The root filesystem (the kernel's view of the disk). */
    readonly root: TfsVolume,
    private readonly fh: FileHandle,
  ) {}

  /** Opens `path`, locates partitions and replays the rootfs log. */
  static async open(path: string): Promise<ImageReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw describeFsError(err, 'opening the image', path);
    }
    try {
      const st = await fh.stat();
      // open() takes a folder; only the first read would fail (EISDIR).
      if (st.isDirectory()) {
        throw new UserError(
          'IS_A_FOLDER',
          `${path} is a folder, not an image file`,
          { hint: 'give an image file (.img) or a name from skiff image list' },
        );
      }
      const size = st.size;
      const sector0 = await readRange(
        fh,
        path,
        size,
      )(0, Math.min(SECTOR, size));
      const parts = locatePartitions(
        size >= SECTOR ? sector0 : Buffer.alloc(SECTOR),
        size,
      );
      const root = await TfsVolume.open(
        regionReader(fh, path, size, parts.root),
        parts.root.sizeBytes,
      ).catch((err) => {
        // No partition table and no TFS at offset 0 either: not an image
        // at all (a source file, a tarball), rather than a broken one.
        if (parts.layout === 'raw' && err instanceof TfsFormatError) {
          throw notAnImage(path, err);
        }
        throw badImage(path, 'root filesystem', err);
      });
      return new ImageReader(path, size, parts, root, fh);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** The boot filesystem (kernel, klibs); a UserError if there is none. */
  bootfs(): Promise<TfsVolume> {
    const boot = this.partitions.boot;
    if (!boot) {
      return Promise.reject(
        new UserError('IMAGE_NO_BOOTFS', `${this.path} has no boot filesystem`),
      );
    }
    this.bootVolume ??= TfsVolume.open(
      regionReader(this.fh, this.path, this.sizeBytes, boot),
      boot.sizeBytes,
    ).catch((err) => {
      throw badImage(this.path, 'boot filesystem', err);
    });
    return this.bootVolume;
  }

  /** The root tuple without `children`. */
  manifest(): Tuple {
    return this.root.manifest();
  }

  /** The manifest as plain JSON values. */
  manifestJson(): { [key: string]: JsonValue } {
    return tfsToJson(this.manifest()) as { [key: string]: JsonValue };
  }

  list(path = '/'): TfsEntry[] {
    return this.root.list(path);
  }

  stat(path: string): TfsStat {
    return this.root.stat(path);
  }

  lstat(path: string): TfsStat {
    return this.root.lstat(path);
  }

  readFile(path: string): Promise<Buffer> {
    return this.root.readFile(path);
  }

  createReadStream(path: string): Readable {
    return this.root.createReadStream(path);
  }

  /** The KLOG record before the first partition, if the kernel wrote one. */
  async readKlog(): Promise<KlogRecord | undefined> {
    const first = this.partitions.esp ?? this.partitions.boot;
    if (!first || first.offsetBytes < KLOG_BYTES) return undefined;
    const at = first.offsetBytes - KLOG_BYTES;
    const b = await readRange(
      this.fh,
      this.path,
      this.sizeBytes,
    )(at, KLOG_BYTES);
    if (b.toString('latin1', 0, 4) !== 'KLOG') return undefined;
    const text = b.subarray(16);
    const end = text.indexOf(0);
    return {
      offsetBytes: at,
      bootId: b.readBigUInt64LE(4),
      exitCode: b.readInt32LE(12),
      text: text.toString('utf8', 0, end < 0 ? text.length : end),
    };
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Opens an image; see ImageReader. */
export function openImage(path: string): Promise<ImageReader> {
  return ImageReader.open(path);
}

function notAnImage(path: string, err: TfsFormatError): UserError {
  return new UserError(
    'IMAGE_INVALID',
    `${path} is not a Nanos disk image (no partition table, no TFS)`,
    { cause: err, hint: 'give an image built by `skiff build`' },
  );
}

function badImage(path: string, what: string, err: unknown): unknown {
  if (!(err instanceof TfsFormatError)) return err;
  return new UserError(
    'IMAGE_INVALID',
    `${path}: the ${what} is not a valid TFS: ${err.message}`,
    { cause: err, hint: 'rebuild the image' },
  );
}

function readRange(
  fh: FileHandle,
  path: string,
  size: number,
): ByteRangeReader {
  return async (offset, length) => {
    if (offset < 0 || offset + length > size) {
      throw new TfsFormatError(
        `read of [${offset}, ${offset + length}) past the end of ${path}`,
      );
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(
        buf,
        done,
        length - done,
        offset + done,
      );
      if (bytesRead === 0) throw new TfsFormatError(`end of file in ${path}`);
      done += bytesRead;
    }
    return buf;
  };
}

function regionReader(
  fh: FileHandle,
  path: string,
  size: number,
  region: ImageRegion,
): ByteRangeReader {
  const read = readRange(fh, path, size);
  return (offset, length) => {
    if (offset + length > region.sizeBytes) {
      return Promise.reject(
        new TfsFormatError(
          `read of [${offset}, ${offset + length}) outside the partition`,
        ),
      );
    }
    return read(region.offsetBytes + offset, length);
  };
}
