// The image file being written: a sparse temp file beside the target,
// positional writes, bounded-buffer streaming of host files (checksummed on
// the way), then fsync and an atomic rename. Removed on any failure.
import { rmSync, type Stats } from 'node:fs';
import {
  lstat,
  open,
  realpath,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  AbortError,
  UserError,
  describeFsError,
  errnoCode,
} from '../errors.js';
import { onForcedExit } from '../exit-cleanup.js';
import { Fingerprint } from './fingerprint.js';
import { removeStaleTempsBeside, tempPathBeside } from './temp-path.js';
import {
  planCopyUnits,
  readSmallInto,
  sourceChanged,
  type CopyJob,
  type CopyUnit,
} from './small-files.js';
import type { FileSource } from './tree.js';

/** Copy buffer size; each of the COPY_STREAMS streams holds two. */
export const COPY_CHUNK_BYTES = 1 << 20;
export const COPY_STREAMS = 8;
/** Files up to this size are copied in batches of COPY_CHUNK_BYTES. */
const SMALL_FILE_BYTES = 64 * 1024;

const ZERO_CHUNK = Buffer.alloc(COPY_CHUNK_BYTES);

function isZero(b: Buffer): boolean {
  return ZERO_CHUNK.compare(b, 0, b.length, 0, b.length) === 0;
}

/** A temp output file that becomes `outPath` on commit. */
export class ImageOutput {
  private readonly pool: Buffer[] = [];
  private done = false;
  /** Removes the temp file if the process must exit at once. */
  private readonly forget = onForcedExit(() =>
    rmSync(this.tempPath, { force: true }),
  );

  private constructor(
    readonly outPath: string,
    readonly tempPath: string,
    private readonly fh: FileHandle,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Creates `.<name>.tmp-<host>-<pid>-<rand>` in the target's directory,
   * after removing those that killed writes of the same name left.
   */
  static async create(
    outPath: string,
    signal?: AbortSignal,
  ): Promise<ImageOutput> {
    outPath = await checkOutputPath(outPath);
    await removeStaleTempsBeside(outPath);
    const tempPath = tempPathBeside(outPath);
    try {
      const fh = await open(tempPath, 'wx', 0o644);
      return new ImageOutput(outPath, tempPath, fh, signal);
    } catch (err) {
      throw await describeCreateError(err, outPath);
    }
  }

  private checkAbort(): void {
    if (this.signal?.aborted) throw new AbortError('image writing interrupted');
  }

  private wrapWrite(err: unknown): unknown {
    return describeFsError(err, 'writing the image', this.outPath);
  }

  /** Writes `bytes` at `position`, skipping the call for all-zero data. */
  async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    this.checkAbort();
    let done = 0;
    try {
      while (done < bytes.length) {
        const { bytesWritten } = await this.fh.write(
          bytes,
          done,
          bytes.length - done,
          position + done,
        );
        done += bytesWritten;
      }
    } catch (err) {
      throw this.wrapWrite(err);
    }
  }

  /**
   * Copies a file source to `position`, zero chunks left as holes. Returns
   * a fingerprint of the data. A host file whose size differs from the
   * planned size is an error naming it.
   */
  async copy(source: FileSource, position: number): Promise<Buffer> {
    if (source.kind === 'bytes') {
      await this.writeAt(source.data, position);
      return Fingerprint.of(source.data);
    }
    // Two buffers: the next chunk is read while this one is checksummed
    // and written.
    const bufs = [this.buffer(), this.buffer()];
    let fh: FileHandle | undefined;
    let reading: Promise<{ bytesRead: number }> | undefined;
    let writing: Promise<void> | undefined;
    try {
      fh = await open(source.path, 'r');
      const size = source.sizeBytes;
      const hash = new Fingerprint();
      const file = fh;
      const readAt = (i: number, at: number) => {
        // One byte more than remains, to notice a file that grew.
        const want = Math.min(COPY_CHUNK_BYTES, size - at + 1);
        reading = file.read(bufs[i]!, 0, want, at);
        reading.catch(() => undefined);
        return want;
      };
      let done = 0;
      let cur = 0;
      let want = readAt(cur, 0);
      for (;;) {
        this.checkAbort();
        const { bytesRead } = await reading!;
        reading = undefined;
        if (done + bytesRead > size) throw sourceChanged(source.path);
        const chunk = bufs[cur]!.subarray(0, bytesRead);
        // The other buffer is free once its write has finished.
        await writing;
        writing = undefined;
        // A short read of a regular file means end of file.
        const more = bytesRead === want;
        if (more) want = readAt(1 - cur, done + bytesRead);
        if (bytesRead > 0 && !isZero(chunk)) {
          writing = this.writeAt(chunk, position + done);
          writing.catch(() => undefined);
        }
        hash.update(chunk);
        done += bytesRead;
        cur = 1 - cur;
        if (!more) break;
      }
      await writing;
      if (done !== size) throw sourceChanged(source.path);
      return hash.digest();
    } catch (err) {
      throw describeFsError(err, 'reading a file for the image', source.path);
    } finally {
      await Promise.allSettled([reading, writing]);
      this.pool.push(...bufs);
      await fh?.close();
    }
  }

  private buffer(): Buffer {
    return this.pool.pop() ?? Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  }

  /** Copies a batch of adjacent small files with one write. */
  private async copyBatch(
    jobs: CopyJob[],
    unit: CopyUnit,
    digests: Buffer[],
  ): Promise<void> {
    const { position, sizeBytes } = unit.batch!;
    const buf = Buffer.alloc(sizeBytes);
    for (const i of unit.jobs) {
      this.checkAbort();
      const job = jobs[i]!;
      const at = job.position - position;
      readSmallInto(job, buf, at);
      digests[i] = Fingerprint.of(buf.subarray(at, at + job.sizeBytes));
    }
    if (!isZero(buf)) await this.writeAt(buf, position);
  }

  /**
   * Copies many sources, COPY_STREAMS at a time (small adjacent files in
   * batches). Returns fingerprints in input order; `onBytes` reports
   * progress.
   */
  async copyAll(
    jobs: CopyJob[],
    onBytes?: (n: number) => void,
  ): Promise<Buffer[]> {
    const digests: Buffer[] = new Array(jobs.length);
    const units = planCopyUnits(jobs, SMALL_FILE_BYTES, COPY_CHUNK_BYTES);
    let next = 0;
    const worker = async () => {
      while (next < units.length) {
        const unit = units[next++]!;
        if (unit.batch) await this.copyBatch(jobs, unit, digests);
        else {
          const job = jobs[unit.jobs[0]!]!;
          digests[unit.jobs[0]!] = await this.copy(job.source, job.position);
        }
        onBytes?.(unit.jobs.reduce((n, i) => n + jobs[i]!.sizeBytes, 0));
      }
    };
    const workers = Array.from(
      { length: Math.min(COPY_STREAMS, units.length) },
      worker,
    );
    const results = await Promise.allSettled(workers);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return digests;
  }

  /** Sets the size (sparse), fsyncs, closes and renames into place. */
  async commit(sizeBytes: number): Promise<void> {
    this.checkAbort();
    try {
      await this.fh.truncate(sizeBytes);
      await this.fh.sync();
      await this.fh.close();
      this.done = true;
      await rename(this.tempPath, this.outPath);
      this.forget();
    } catch (err) {
      if (errnoCode(err) === 'EISDIR') throw outputIsFolder(this.outPath);
      throw this.wrapWrite(err);
    }
  }

  /** Closes and deletes the temp file; safe to call after commit. */
  async discard(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => undefined);
    }
    await rm(this.tempPath, { force: true }).catch(() => undefined);
    this.forget();
  }
}

function outputIsFolder(outPath: string): UserError {
  return new UserError(
    'OUTPUT_IS_DIR',
    `cannot write the image to ${outPath}: it is a folder`,
    { hint: `name a file, e.g. -o ${join(outPath, 'app.img')}` },
  );
}

function folderMissing(outPath: string, cause?: unknown): UserError {
  return new UserError(
    'OUTPUT_DIR_MISSING',
    `cannot write ${outPath}: folder ${dirname(outPath)} does not exist`,
    { hint: 'create the folder or choose another output path', cause },
  );
}

/**
 * Checks, before any work, that an image can go to `outPath`: not an
 * existing folder, in a folder that exists. Whether the folder is
 * writable shows when the temp file is created.
 */
/**
 * Checks where an image may go, before a long build. Returns the path to
 * write: an existing link is written through, as `cp` would, so the file
 * it points at is replaced and the link kept.
 */
export async function checkOutputPath(outPath: string): Promise<string> {
  const real = await realpath(outPath).catch(() => outPath);
  const [target, folder] = await Promise.all([
    lstat(real).catch(() => undefined),
    stat(dirname(real)).catch(() => undefined),
  ]);
  if (target?.isDirectory()) throw outputIsFolder(outPath);
  if (target && !target.isFile()) throw outputNotAFile(outPath, target);
  if (!folder) throw folderMissing(outPath);
  if (!folder.isDirectory()) {
    throw new UserError(
      'OUTPUT_DIR_MISSING',
      `cannot write ${outPath}: ${dirname(real)} is not a folder`,
      { hint: 'choose another output path' },
    );
  }
  return real;
}

/** A device, FIFO, socket or dangling link: never renamed over. */
function outputNotAFile(outPath: string, st: Stats): UserError {
  const what = st.isSymbolicLink()
    ? 'a link to a file that does not exist'
    : st.isCharacterDevice() || st.isBlockDevice()
      ? 'a device'
      : st.isFIFO()
        ? 'a named pipe'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';
  return new UserError(
    'OUTPUT_NOT_A_FILE',
    `cannot write the image to ${outPath}: it is ${what}`,
    { hint: 'choose a regular file as the output (-o app.img)' },
  );
}

/** ENOENT from an existing folder (/proc, /sys): it takes no new files. */
async function describeCreateError(
  err: unknown,
  outPath: string,
): Promise<unknown> {
  if (errnoCode(err) !== 'ENOENT') {
    return describeFsError(err, 'creating the image', outPath);
  }
  const folder = await stat(dirname(outPath)).catch(() => undefined);
  if (!folder) return folderMissing(outPath, err);
  return new UserError(
    'OUTPUT_NOT_WRITABLE',
    `cannot create files in ${dirname(outPath)} (for ${outPath})`,
    {
      hint: 'write the image to an ordinary folder (-o)',
      cause: err,
    },
  );
}
