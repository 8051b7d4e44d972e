// Writes a bootable Nanos disk image (MBR + KLOG + optional ESP + bootfs +
// rootfs) from an ImageSpec: file data streamed into a sparse temp file,
// metadata written at its extensions, then an atomic rename.
// Spec: nanos-disk-format.md §1.9.
import { readFile, stat } from 'node:fs/promises';
import { UserError, describeFsError } from '../errors.js';
import { formatBytes, silentLogger, type Logger } from '../log.js';
import { buildTfs, deriveUuid, type BuiltTfs } from '../tfs/build.js';
import { formatUuid } from '../tfs/log-reader.js';
import { initialSector, UUID_BYTES } from '../tfs/log-writer.js';
import { ESP_BYTES, ESP_LOADER_OFFSET, espTemplate } from './esp.js';
import {
  KLOG_BYTES,
  PART_TYPE_ESP,
  PART_TYPE_TFS,
  SECTOR,
  checkBootImage,
  stubBootSector,
  withPartitionTable,
  type PartitionEntry,
} from './mbr.js';
import { ImageOutput } from './output.js';
import type { DirNode, FileSource, ImageSpec } from './tree.js';

export const BOOTFS_BYTES = 12 * 1024 * 1024;
/**
 * Free space always kept after the used rootfs area so the kernel's log
 * can grow (a new extension needs 1024 free sectors; §1.8).
 */
export const ROOTFS_SLACK_BYTES = 512 * 1024;
const MAX_BOOT_IMAGE_BYTES = 16 * 1024 * 1024;

export interface WriteImageOptions {
  logger?: Logger;
  /** Aborting removes the temp file and rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface WriteImageResult {
  /** Final image size in bytes (a multiple of 512). */
  sizeBytes: number;
  /** Byte offset of the root filesystem partition. */
  rootOffsetBytes: number;
  /** The filesystem UUIDs as dump prints them (8-4-4-4-12 hex). */
  rootUuid: string;
  bootUuid: string;
}

/** Where each region starts; all byte offsets from the disk start. */
export interface ImageLayout {
  stage2Bytes: number;
  espOffsetBytes?: number;
  bootOffsetBytes: number;
  rootOffsetBytes: number;
}

export function imageLayout(stage2Bytes: number, esp: boolean): ImageLayout {
  const first = SECTOR + stage2Bytes + KLOG_BYTES;
  const bootOffsetBytes = esp ? first + ESP_BYTES : first;
  return {
    stage2Bytes,
    ...(esp ? { espOffsetBytes: first } : {}),
    bootOffsetBytes,
    rootOffsetBytes: bootOffsetBytes + BOOTFS_BYTES,
  };
}

/**
 * Final size: used area + slack (or `minFreeBytes`, when larger), at least
 * BaseVolumeSz; rounded up to 512.
 */
export function finalImageSize(
  rootOffsetBytes: number,
  rootUsedBytes: number,
  minSizeBytes = 0,
  minFreeBytes = 0,
): number {
  const free = Math.max(ROOTFS_SLACK_BYTES, minFreeBytes);
  const size = Math.max(rootOffsetBytes + rootUsedBytes + free, minSizeBytes);
  return Math.ceil(size / SECTOR) * SECTOR;
}

async function sourceBytes(source: FileSource, what: string): Promise<Buffer> {
  if (source.kind === 'bytes') return Buffer.from(source.data);
  try {
    const st = await stat(source.path);
    if (st.size > MAX_BOOT_IMAGE_BYTES) {
      throw new UserError(
        'BOOT_IMAGE_INVALID',
        `${what} ${source.path} is too big`,
      );
    }
    return await readFile(source.path);
  } catch (err) {
    throw describeFsError(err, `reading ${what}`, source.path);
  }
}

function checkUuid(uuid: Uint8Array | undefined, what: string): void {
  if (uuid && uuid.length !== UUID_BYTES) {
    throw new UserError(
      'IMAGE_UUID_INVALID',
      `${what} has ${uuid.length} bytes; a TFS UUID is 16 bytes`,
    );
  }
}

function bootTree(spec: ImageSpec): DirNode {
  const children: DirNode['children'] = new Map();
  children.set('kernel', { type: 'file', source: spec.kernel });
  if (spec.klibs.size > 0) {
    const klib: DirNode = { type: 'dir', children: new Map() };
    for (const [name, source] of spec.klibs) {
      klib.children.set(name, { type: 'file', source });
    }
    children.set('klib', klib);
  }
  return { type: 'dir', children };
}

interface Prepared {
  sector0: Buffer;
  stage2: Buffer;
  layout: ImageLayout;
  boot: BuiltTfs;
  root: BuiltTfs;
  sizeBytes: number;
}

/** Everything but file data: validated, planned and encoded. */
export async function prepareImage(spec: ImageSpec): Promise<Prepared> {
  checkUuid(spec.rootUuid, 'rootUuid');
  checkUuid(spec.bootUuid, 'bootUuid');
  let sector0: Buffer = stubBootSector();
  let stage2: Buffer = Buffer.alloc(0);
  if (spec.bootImage) {
    const img = await sourceBytes(spec.bootImage, 'boot image');
    const name =
      spec.bootImage.kind === 'host' ? spec.bootImage.path : 'boot image';
    checkBootImage(img, name);
    sector0 = img.subarray(0, SECTOR);
    stage2 = img.subarray(SECTOR);
  }
  const layout = imageLayout(stage2.length, spec.uefiLoader !== undefined);

  const boot = buildTfs(bootTree(spec), new Map(), '');
  if (boot.usedBytes > BOOTFS_BYTES) {
    throw new UserError(
      'BOOTFS_TOO_SMALL',
      `the kernel and klibs need ${boot.usedBytes} bytes; the boot ` +
        `filesystem holds ${BOOTFS_BYTES}`,
      { hint: 'include fewer klibs' },
    );
  }
  const root = buildTfs(spec.root, spec.manifest, spec.rootLabel ?? '');
  const sizeBytes = finalImageSize(
    layout.rootOffsetBytes,
    root.usedBytes,
    spec.minSizeBytes,
    spec.minFreeBytes,
  );
  return { sector0, stage2, layout, boot, root, sizeBytes };
}

function partitions(p: Prepared): PartitionEntry[] {
  const { layout } = p;
  const entries: PartitionEntry[] = [];
  if (layout.espOffsetBytes !== undefined) {
    entries.push({
      type: PART_TYPE_ESP,
      offsetBytes: layout.espOffsetBytes,
      sizeBytes: ESP_BYTES,
    });
  }
  entries.push({
    type: PART_TYPE_TFS,
    offsetBytes: layout.bootOffsetBytes,
    sizeBytes: BOOTFS_BYTES,
  });
  entries.push({
    type: PART_TYPE_TFS,
    offsetBytes: layout.rootOffsetBytes,
    sizeBytes: p.sizeBytes - layout.rootOffsetBytes,
  });
  return entries;
}

async function writeTfs(
  out: ImageOutput,
  tfs: BuiltTfs,
  base: number,
): Promise<void> {
  for (const e of tfs.extensions)
    await out.writeAt(e.bytes, base + e.sector * SECTOR);
}

/**
 * Writes the image to `outPath` atomically. The same spec gives the same
 * bytes. Host files are streamed with bounded buffers.
 */
export async function writeImage(
  spec: ImageSpec,
  outPath: string,
  opts: WriteImageOptions = {},
): Promise<WriteImageResult> {
  const logger = opts.logger ?? silentLogger;
  const p = await prepareImage(spec);
  const { layout } = p;
  const needed = finalImageSize(layout.rootOffsetBytes, p.root.usedBytes);
  if (spec.minSizeBytes && spec.minSizeBytes < needed) {
    logger.warn(
      `BaseVolumeSz ${formatBytes(spec.minSizeBytes)} is less than the ` +
        `image needs; it is ${formatBytes(needed)}`,
    );
  }
  const dataBytes = [...p.boot.placements, ...p.root.placements].reduce(
    (n, x) => n + x.sizeBytes,
    0,
  );
  logger.debug(
    `image ${outPath}: ${p.sizeBytes} bytes, rootfs at ${layout.rootOffsetBytes}, ` +
      `${p.root.placements.length} files with data (${dataBytes} bytes)`,
  );

  const out = await ImageOutput.create(outPath, opts.signal);
  const uuids = { root: Buffer.alloc(0), boot: Buffer.alloc(0) };
  try {
    await out.writeAt(p.stage2, SECTOR);
    if (spec.uefiLoader && layout.espOffsetBytes !== undefined) {
      const { name, source } = spec.uefiLoader;
      const size =
        source.kind === 'host' ? source.sizeBytes : source.data.length;
      for (const piece of espTemplate(name, size)) {
        await out.writeAt(piece.bytes, layout.espOffsetBytes + piece.offset);
      }
      await out.copy(source, layout.espOffsetBytes + ESP_LOADER_OFFSET);
    }
    await writeTfs(out, p.boot, layout.bootOffsetBytes);
    await writeTfs(out, p.root, layout.rootOffsetBytes);

    let copied = 0;
    const progress = (n: number) => {
      copied += n;
      logger.progress('writing image', copied, dataBytes);
    };
    const jobs = (tfs: BuiltTfs, base: number) =>
      tfs.placements.map((x) => ({
        source: x.source,
        sizeBytes: x.sizeBytes,
        position: base + x.sector * SECTOR,
      }));
    const bootDigests = await out.copyAll(
      jobs(p.boot, layout.bootOffsetBytes),
      progress,
    );
    const rootDigests = await out.copyAll(
      jobs(p.root, layout.rootOffsetBytes),
      progress,
    );

    uuids.boot = Buffer.from(
      spec.bootUuid ?? deriveUuid('bootfs', p.boot, bootDigests),
    );
    uuids.root = Buffer.from(
      spec.rootUuid ?? deriveUuid('rootfs', p.root, rootDigests),
    );
    await out.writeAt(initialSector(uuids.boot, ''), layout.bootOffsetBytes);
    await out.writeAt(
      initialSector(uuids.root, p.root.label),
      layout.rootOffsetBytes,
    );
    await out.writeAt(withPartitionTable(p.sector0, partitions(p)), 0);
    await out.commit(p.sizeBytes);
  } catch (err) {
    await out.discard();
    throw err;
  }
  return {
    sizeBytes: p.sizeBytes,
    rootOffsetBytes: layout.rootOffsetBytes,
    rootUuid: formatUuid(uuids.root),
    bootUuid: formatUuid(uuids.boot),
  };
}
