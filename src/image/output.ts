// The image file being written: a sparse temp file beside the target,
// positional writes, bounded-buffer streaming of host files (hashed on the
// way), then fsync and an atomic rename. Removed on any failure.
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AbortError, UserError, describeFsError } from '../errors.js';
import type { FileSource } from './tree.js';

/** Buffer size of one copy stream; at most COPY_STREAMS are live. */
export const COPY_CHUNK_BYTES = 1 << 20;
export const COPY_STREAMS = 8;

const ZERO_CHUNK = Buffer.alloc(COPY_CHUNK_BYTES);

function isZero(b: Buffer): boolean {
  return ZERO_CHUNK.compare(b, 0, b.length, 0, b.length) === 0;
}

/** A temp output file that becomes `outPath` on commit. */
export class ImageOutput {
  private readonly pool: Buffer[] = [];
  private done = false;

  private constructor(
    readonly outPath: string,
    readonly tempPath: string,
    private readonly fh: FileHandle,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Creates `.<name>.tmp-<pid>-<rand>` in the target's directory. */
  static async create(
    outPath: string,
    signal?: AbortSignal,
  ): Promise<ImageOutput> {
    const tempPath = join(
      dirname(outPath),
      `.${basename(outPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    try {
      const fh = await open(tempPath, 'wx', 0o644);
      return new ImageOutput(outPath, tempPath, fh, signal);
    } catch (err) {
      throw describeFsError(err, 'creating the image', outPath);
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
   * the sha256 of the data. A host file whose size differs from the
   * planned size is an error naming it.
   */
  async copy(source: FileSource, position: number): Promise<Buffer> {
    if (source.kind === 'bytes') {
      await this.writeAt(source.data, position);
      return createHash('sha256').update(source.data).digest();
    }
    const buf = this.pool.pop() ?? Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let fh: FileHandle | undefined;
    try {
      fh = await open(source.path, 'r');
      const st = await fh.stat();
      if (st.size !== source.sizeBytes) throw changed(source);
      const hash = createHash('sha256');
      let done = 0;
      for (;;) {
        this.checkAbort();
        const want = Math.min(COPY_CHUNK_BYTES, source.sizeBytes - done + 1);
        const { bytesRead } = await fh.read(buf, 0, want, done);
        if (bytesRead === 0) break;
        if (done + bytesRead > source.sizeBytes) throw changed(source);
        const chunk = buf.subarray(0, bytesRead);
        hash.update(chunk);
        if (!isZero(chunk)) await this.writeAt(chunk, position + done);
        done += bytesRead;
        // A short read of a regular file means end of file.
        if (bytesRead < want) break;
      }
      if (done !== source.sizeBytes) throw changed(source);
      return hash.digest();
    } catch (err) {
      throw describeFsError(err, 'reading a file for the image', source.path);
    } finally {
      this.pool.push(buf);
      await fh?.close();
    }
  }

  /**
   * Copies many sources, COPY_STREAMS at a time. Returns their digests in
   * input order. `onBytes` reports progress.
   */
  async copyAll(
    jobs: { source: FileSource; position: number; sizeBytes: number }[],
    onBytes?: (n: number) => void,
  ): Promise<Buffer[]> {
    const digests: Buffer[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i]!;
        digests[i] = await this.copy(job.source, job.position);
        onBytes?.(job.sizeBytes);
      }
    };
    const workers = Array.from(
      { length: Math.min(COPY_STREAMS, jobs.length) },
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
    } catch (err) {
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
  }
}

function changed(source: { path: string }): UserError {
  return new UserError(
    'IMAGE_SOURCE_CHANGED',
    `${source.path} changed size while the image was being written`,
    { hint: 'do not modify the application files during a build; retry' },
  );
}
