// Small files are copied in batches: files laid out back to back in the
// image are read into one zeroed buffer and written with a single call,
// which saves a write (and a thread-pool round trip) per file.
import { closeSync, openSync, readSync } from 'node:fs';
import { UserError, describeFsError } from '../errors.js';
import type { FileSource } from './tree.js';

const SECTOR = 512;

/** One file to copy: its source, size, and byte position in the image. */
export interface CopyJob {
  source: FileSource;
  position: number;
  sizeBytes: number;
}

/** A run of jobs copied together (one job for a large file). */
export interface CopyUnit {
  jobs: number[];
  /** Set for a batch: the image byte range the batch buffer covers. */
  batch?: { position: number; sizeBytes: number };
}

const padded = (n: number) => Math.ceil(n / SECTOR) * SECTOR;

/**
 * Groups consecutive, adjacent small jobs into batches of at most
 * `batchBytes`; larger files stay on their own.
 */
export function planCopyUnits(
  jobs: CopyJob[],
  smallBytes: number,
  batchBytes: number,
): CopyUnit[] {
  const units: CopyUnit[] = [];
  let open: CopyUnit | undefined;
  jobs.forEach((job, i) => {
    if (job.sizeBytes > smallBytes) {
      open = undefined;
      units.push({ jobs: [i] });
      return;
    }
    const b = open?.batch;
    const size = padded(job.sizeBytes);
    if (
      b &&
      job.position === b.position + b.sizeBytes &&
      b.sizeBytes + size <= batchBytes
    ) {
      b.sizeBytes += size;
      open!.jobs.push(i);
      return;
    }
    open = { jobs: [i], batch: { position: job.position, sizeBytes: size } };
    units.push(open);
  });
  return units;
}

/** The error for a host file whose size is not the planned one. */
export function sourceChanged(path: string): UserError {
  return new UserError(
    'IMAGE_SOURCE_CHANGED',
    `${path} changed size while the image was being written`,
    { hint: 'do not modify the application files during a build; retry' },
  );
}

/**
 * Reads a whole small file into `buf` at `offset`, checking its size. The
 * byte after the data is padding (or probed separately), so reading one
 * byte more detects a file that grew. Synchronous on purpose: for files
 * this small, three thread-pool round trips (open, read, close) cost far
 * more than the reads themselves; the batch is then written async.
 */
export function readSmallInto(job: CopyJob, buf: Buffer, offset: number): void {
  const { source, sizeBytes: size } = job;
  if (source.kind === 'bytes') {
    buf.set(source.data, offset);
    return;
  }
  let fd: number | undefined;
  try {
    fd = openSync(source.path, 'r');
    const roomForProbe = size % SECTOR !== 0;
    const want = roomForProbe ? size + 1 : size;
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, offset + got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got > size) {
      buf[offset + size] = 0;
      throw sourceChanged(source.path);
    }
    if (got < size) throw sourceChanged(source.path);
    if (!roomForProbe && readSync(fd, Buffer.alloc(1), 0, 1, size) > 0) {
      throw sourceChanged(source.path);
    }
  } catch (err) {
    throw describeFsError(err, 'reading a file for the image', source.path);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
