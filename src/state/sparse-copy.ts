// Copies a disk image keeping its holes: a reflink where the file system
// has them, else chunk by chunk, all-zero chunks left as holes. A sparse
// 2 GB image with 4 MB of data then costs 4 MB, not 2 GB, per copy.
import { constants } from 'node:fs';
import { copyFile, open, type FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 1 << 20;
const ZERO = Buffer.alloc(CHUNK_BYTES);

function isZero(buf: Buffer, length: number): boolean {
  return ZERO.compare(buf, 0, length, 0, length) === 0;
}

async function copyChunks(from: FileHandle, to: FileHandle): Promise<void> {
  const { size } = await from.stat();
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let at = 0; at < size;) {
    const { bytesRead } = await from.read(buf, 0, CHUNK_BYTES, at);
    if (bytesRead === 0) break;
    if (!isZero(buf, bytesRead)) {
      let done = 0;
      while (done < bytesRead) {
        const { bytesWritten } = await to.write(
          buf,
          done,
          bytesRead - done,
          at + done,
        );
        done += bytesWritten;
      }
    }
    at += bytesRead;
  }
  // The holes at the end exist only once the size is set.
  await to.truncate(size);
}

/** Copies `src` to `dest` (created or replaced), holes kept. */
export async function copySparse(src: string, dest: string): Promise<void> {
  try {
    await copyFile(src, dest, constants.COPYFILE_FICLONE_FORCE);
    return;
  } catch {
    // No reflinks here (ext4, tmpfs, across devices): copy by chunks.
  }
  const from = await open(src, 'r');
  try {
    const to = await open(dest, 'w', 0o600);
    try {
      await copyChunks(from, to);
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
