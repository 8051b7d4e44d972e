// The GCE import artifact: a gzip'd OLDGNU tar whose one member, disk.raw,
// is the raw image padded with zeros to a whole GiB. Streamed and
// deterministic (mtime 0, uid/gid 0, gzip header without name or mtime).
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { AbortError, describeFsError, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';

export const GIB = 2 ** 30;
const BLOCK = 512;
/** GNU tar writes whole records of 20 blocks; so do we. */
const RECORD = 20 * BLOCK;
const ZEROS = Buffer.alloc(1024 * 1024);

export interface GcpArtifactOptions {
  signal?: AbortSignal;
  logger?: Logger;
}

export interface GcpArtifact {
  /** Size of the .tar.gz written. */
  sizeBytes: number;
  /** Size of disk.raw inside it: the image padded to a whole GiB. */
  rawSizeBytes: number;
}

/** The image size rounded up to a whole GiB (at least 1 GiB). */
export function paddedRawSize(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / GIB)) * GIB;
}

/**
 * The 512-byte OLDGNU header for `disk.raw` (magic "ustar  \0"; GCE
 * rejects POSIX ustar). Sizes of 8 GiB and more do not fit 11 octal digits
 * and use GNU base-256: a 0x80 lead byte, then the size big-endian.
 */
export function oldGnuHeader(name: string, sizeBytes: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (sizeBytes < 8 * GIB) {
    h.write(`${sizeBytes.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  } else {
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(sizeBytes), 124 + 12 - 8);
  }
  h.write('00000000000\0', 136, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar  \0', 257, 'latin1');
  h.write('        ', 148, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

async function* tarStream(
  rawPath: string,
  rawBytes: number,
  paddedBytes: number,
  logger?: Logger,
): AsyncGenerator<Buffer> {
  const step = 32 * 1024 * 1024;
  let done = 0;
  let shown = 0;
  const report = () => {
    if (done - shown < step && done !== paddedBytes) return;
    shown = done;
    logger?.progress('packing disk.raw', done, paddedBytes);
  };

  yield oldGnuHeader('disk.raw', paddedBytes);
  for await (const chunk of createReadStream(rawPath)) {
    done += (chunk as Buffer).length;
    if (done > rawBytes) break;
    report();
    yield chunk as Buffer;
  }
  if (done !== rawBytes) {
    throw new UserError(
      'IMAGE_CHANGED',
      `${rawPath} changed size while it was packed (${rawBytes} -> ${done})`,
      { hint: 'do not modify the image while it is being packed' },
    );
  }
  for (let left = paddedBytes - rawBytes; left > 0;) {
    const n = Math.min(left, ZEROS.length);
    yield n === ZEROS.length ? ZEROS : ZEROS.subarray(0, n);
    left -= n;
    done += n;
    report();
  }
  const used = BLOCK + paddedBytes + 2 * BLOCK;
  yield Buffer.alloc(2 * BLOCK + ((RECORD - (used % RECORD)) % RECORD));
}

/**
 * Writes `outPath` (a .tar.gz GCE can import) from the raw image at
 * `rawPath` without changing it. The file appears only when complete.
 */
export async function writeGcpArtifact(
  rawPath: string,
  outPath: string,
  options: GcpArtifactOptions = {},
): Promise<GcpArtifact> {
  let rawBytes: number;
  try {
    rawBytes = (await stat(rawPath)).size;
  } catch (err) {
    throw describeFsError(err, 'reading the raw image', rawPath);
  }
  const paddedBytes = paddedRawSize(rawBytes);
  const tmp = join(
    dirname(outPath),
    `.${basename(outPath)}.${process.pid}.${Date.now()}.tmp`,
  );

  try {
    await pipeline(
      tarStream(rawPath, rawBytes, paddedBytes, options.logger),
      createGzip(),
      createWriteStream(tmp),
      { signal: options.signal },
    );
    await rename(tmp, outPath);
  } catch (err) {
    await rm(tmp, { force: true });
    if (options.signal?.aborted) {
      throw new AbortError('packing the GCP image was interrupted');
    }
    throw describeFsError(err, 'writing the GCP image archive', outPath);
  }
  const sizeBytes = (await stat(outPath)).size;
  options.logger?.debug(
    `wrote ${outPath}: ${sizeBytes} bytes, disk.raw ${paddedBytes} bytes`,
  );
  return { sizeBytes, rawSizeBytes: paddedBytes };
}
