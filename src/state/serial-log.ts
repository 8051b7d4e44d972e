// An instance's console log, capped: the supervisor appends QEMU's serial
// output to serial.log and, when that passes a part's size, renames it to
// serial.log.<offset> (the offset of its first byte in the run's output)
// and starts a new serial.log, dropping the part before. The tail of the
// output is kept: one to two parts. Offsets count every byte the run
// wrote, so a reader following the log goes on across a rotation and can
// tell when output it had not read was dropped.
import { open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from '../errors.js';

/** The console keeps between one and two parts of this size. */
export const SERIAL_PART_BYTES = 4 * 1024 * 1024;

export interface SerialChunk {
  text: string;
  nextOffset: number;
  /** Output between the offset asked for and this text was dropped. */
  dropped?: boolean;
}

interface Part {
  /** Offset of the part's first byte in the run's output. */
  base: number;
  path: string;
}

interface OpenPart {
  base: number;
  handle: FileHandle;
  sizeBytes: number;
}

/** The rotated parts of the log at `path`, oldest first. */
async function listParts(path: string): Promise<Part[]> {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => ({
      base: Number(n.slice(prefix.length)),
      path: join(dirname(path), n),
    }))
    .sort((a, b) => a.base - b.base);
}

async function openIfThere(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Opens every part and the current file, and checks that no rotation
 * happened meanwhile (a rotation always adds a part): open handles keep
 * their bytes even when the supervisor renames or drops the files, so
 * what they hold is one consistent view. Undefined: rotating, try again.
 */
async function openConsistent(path: string): Promise<OpenPart[] | undefined> {
  const before = await listParts(path);
  const handles: (FileHandle | undefined)[] = [];
  try {
    for (const part of before) handles.push(await openIfThere(part.path));
    const current = await openIfThere(path);
    handles.push(current);
    const after = await listParts(path);
    const same =
      after.length === before.length &&
      after.every((p, i) => p.base === before[i]!.base);
    if (!same || handles.slice(0, -1).some((h) => h === undefined)) {
      await Promise.all(handles.map((h) => h?.close()));
      return undefined;
    }
    const parts: OpenPart[] = [];
    let base = 0;
    for (const [i, part] of before.entries()) {
      const sizeBytes = (await handles[i]!.stat()).size;
      parts.push({ base: part.base, handle: handles[i]!, sizeBytes });
      base = part.base + sizeBytes;
    }
    // Between a rename and the new serial.log: an empty current part.
    if (current) {
      const sizeBytes = (await current.stat()).size;
      parts.push({ base, handle: current, sizeBytes });
    }
    return parts;
  } catch (err) {
    await Promise.all(handles.map((h) => h?.close()));
    throw err;
  }
}

async function readParts(
  parts: OpenPart[],
  from: number,
  to: number,
): Promise<Buffer> {
  const buffers: Buffer[] = [];
  for (const part of parts) {
    const start = Math.max(from, part.base);
    const end = Math.min(to, part.base + part.sizeBytes);
    if (end <= start) continue;
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await part.handle.read(
      buf,
      0,
      buf.length,
      start - part.base,
    );
    buffers.push(buf.subarray(0, bytesRead));
  }
  return Buffer.concat(buffers);
}

/** Bytes 10xxxxxx at the start: the tail of a character cut off. */
function continuationBytes(bytes: Buffer): number {
  let n = 0;
  while (n < bytes.length && n < 3 && (bytes[n]! & 0xc0) === 0x80) n++;
  return n;
}

/**
 * How much of `bytes` ends on a whole UTF-8 character: a sequence cut at
 * the end (its lead byte says how long it is) is left out.
 */
export function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/**
 * The console output from `offset` (as returned in `nextOffset`) to its
 * current end. Output before the oldest part kept is dropped (`dropped`);
 * an offset past the end is from an earlier run (the log starts afresh on
 * each start): read from the top.
 */
export async function readSerialLog(
  path: string,
  offset: number,
): Promise<SerialChunk> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const parts = await openConsistent(path);
    if (!parts) continue;
    try {
      if (parts.length === 0) {
        return { text: '', nextOffset: 0, dropped: offset > 0 || undefined };
      }
      const first = parts[0]!.base;
      const last = parts[parts.length - 1]!;
      const end = last.base + last.sizeBytes;
      const wanted = offset > end ? 0 : offset;
      const from = Math.max(wanted, first);
      const bytes = await readParts(parts, from, end);
      const dropped = offset > end || from > offset;
      // A character the guest is still writing is left for the next read;
      // one cut by a rotation is dropped with the rest.
      const skip = from > wanted ? continuationBytes(bytes) : 0;
      const complete = completeUtf8Length(bytes);
      return {
        text: bytes.subarray(skip, Math.max(skip, complete)).toString('utf8'),
        nextOffset: from + complete,
        dropped: dropped || undefined,
      };
    } finally {
      await Promise.all(parts.map((p) => p.handle.close()));
    }
  }
  // Rotating on every look (a console writing flat out): nothing new yet.
  return { text: '', nextOffset: offset };
}

/** Whether the run wrote anything to the console. */
export async function serialLogWritten(path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const parts = await openConsistent(path);
    if (!parts) continue;
    await Promise.all(parts.map((p) => p.handle.close()));
    return parts.some((p) => p.base + p.sizeBytes > 0);
  }
  return true;
}

/** Removes the log and its parts: each start begins a new one. */
export async function removeSerialLog(path: string): Promise<void> {
  const parts = await listParts(path);
  await Promise.all(
    [path, ...parts.map((p) => p.path)].map((p) => rm(p, { force: true })),
  );
}
