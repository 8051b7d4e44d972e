// A read-only view of one TFS: the replayed tree, path lookup with symlinks
// (max 8 hops, as ops), file data through extents, and the consistency
// checks of nanos-disk-format.md §5.3 (root, extents, overlaps).
import { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import {
  formatUuid,
  readTfsLog,
  type SectorRange,
  type TfsLogInfo,
} from './log-reader.js';
import { SECTOR_BYTES } from './log-writer.js';
import { FLAG, Tuple, type TfsValue } from './value.js';
import { TfsFormatError } from './varint.js';

/** Reads `length` bytes at a partition-relative offset; throws past end. */
export type ByteRangeReader = (
  offsetBytes: number,
  length: number,
) => Promise<Buffer>;

export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

export interface TfsEntry {
  name: string;
  type: NodeType;
  /** File length in bytes; 0 for anything but files. */
  sizeBytes: number;
  /** Symlink target, verbatim. */
  target?: string;
}

export interface TfsStat extends TfsEntry {
  /** The normalized path inside the volume, symlinks resolved. */
  path: string;
  tuple: Tuple;
}

export interface Extent {
  /** File offset in sectors (the key). */
  fileSector: number;
  offset: number;
  length: number;
  allocated: number;
  uninited: boolean;
}

const MAX_SYMLINK_HOPS = 8;
const READ_CHUNK_BYTES = 1 << 20;

/** Reads a number stored as an integer or as decimal text. */
export function tfsNumber(v: TfsValue | undefined, what: string): number {
  let n: number | undefined;
  if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' || v instanceof Uint8Array) {
    const s = typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
    if (/^[0-9]+$/.test(s)) n = Number(s);
  }
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new TfsFormatError(`${what} is not a number`);
  }
  return n;
}

/** A string value (type 4, or an untyped buffer), else undefined. */
export function tfsString(v: TfsValue | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return undefined;
}

/** The node kind by the kernel's precedence (§2.7). */
export function nodeType(t: Tuple): NodeType {
  if (t.get('children') instanceof Tuple) return 'dir';
  if (tfsString(t.get('linktarget')) !== undefined) return 'symlink';
  if (t.has('socket') || t.has('special')) return 'other';
  return 'file';
}

/** The extents of a file tuple, sorted by file offset; checked. */
export function fileExtents(t: Tuple, where: string): Extent[] {
  const ext = t.get('extents');
  if (!(ext instanceof Tuple)) return [];
  const out: Extent[] = [];
  for (const [key, v] of ext) {
    if (!/^[0-9]+$/.test(key) || !(v instanceof Tuple)) {
      throw new TfsFormatError(`${where}: bad extent key "${key}"`);
    }
    out.push({
      fileSector: Number(key),
      offset: tfsNumber(v.get('offset'), `${where} extent ${key} offset`),
      length: tfsNumber(v.get('length'), `${where} extent ${key} length`),
      allocated: tfsNumber(
        v.get('allocated'),
        `${where} extent ${key} allocated`,
      ),
      uninited: v.get('uninited') === FLAG,
    });
  }
  out.sort((a, b) => a.fileSector - b.fileSector);
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1]!;
    if (prev.fileSector + prev.length > out[i]!.fileSector) {
      throw new TfsFormatError(`${where}: extents overlap in the file`);
    }
  }
  return out;
}

function notFound(path: string, why = 'no such file or directory'): UserError {
  return new UserError('IMAGE_PATH_NOT_FOUND', `${path}: ${why} in image`, {
    hint: 'list the image with `skiff image ls <image> [dir]`',
  });
}

/** What an entry type is called in messages. */
export function entryKind(type: TfsEntry['type']): string {
  return type === 'dir' ? 'folder' : type === 'symlink' ? 'symlink' : 'file';
}

/** A path that is there, but a folder where a file is wanted or back. */
function wrongType(path: string, type: TfsEntry['type']): UserError {
  const wanted = type === 'dir' ? 'file' : 'folder';
  return new UserError(
    wanted === 'file' ? 'IMAGE_PATH_NOT_A_FILE' : 'IMAGE_PATH_NOT_A_FOLDER',
    `${path} is a ${entryKind(type)} in the image, not a ${wanted}`,
    {
      hint:
        wanted === 'file'
          ? `list what it holds: skiff image ls <image> ${path}`
          : 'name a folder, or read the file with `skiff image cat`',
    },
  );
}

/** A mounted (read-only) TFS. */
export class TfsVolume {
  readonly uuid: string;
  readonly label: string;
  readonly version: number;
  readonly root: Tuple;
  readonly extensions: SectorRange[];
  /** Records replayed (1 for a fresh ops-style log). */
  readonly records: number;
  private readonly extentCache = new Map<Tuple, Extent[]>();

  private constructor(
    private readonly read: ByteRangeReader,
    log: TfsLogInfo,
  ) {
    this.uuid = formatUuid(log.uuid);
    this.label = log.label;
    this.version = log.version;
    this.root = log.root;
    this.extensions = log.extensions;
    this.records = log.records;
  }

  /**
   * Replays the log and checks the tree; throws TfsFormatError. With
   * `sizeBytes`, storage must also lie inside the filesystem.
   */
  static async open(
    read: ByteRangeReader,
    sizeBytes?: number,
  ): Promise<TfsVolume> {
    const log = await readTfsLog((sector, count) =>
      read(sector * SECTOR_BYTES, count * SECTOR_BYTES),
    );
    const vol = new TfsVolume(read, log);
    vol.check(sizeBytes);
    return vol;
  }

  /** Root tuple keys other than `children`: the manifest. */
  manifest(): Tuple {
    const m = new Tuple(this.root);
    m.delete('children');
    return m;
  }

  private check(sizeBytes?: number): void {
    if (!(this.root.get('children') instanceof Tuple)) {
      throw new TfsFormatError('the root tuple has no children');
    }
    const used: SectorRange[] = [...this.extensions];
    const seen = new Set<Tuple>();
    const walk = (t: Tuple, path: string) => {
      if (seen.has(t)) return;
      seen.add(t);
      if (t.has('extents')) {
        if (t.has('filelength')) tfsNumber(t.get('filelength'), path);
        for (const e of this.extentsOf(t, path)) {
          used.push({ sector: e.offset, sectors: e.allocated });
        }
      }
      const children = t.get('children');
      if (children instanceof Tuple) {
        for (const [name, c] of children) {
          if (!(c instanceof Tuple)) {
            throw new TfsFormatError(`${path}/${name} is not a tuple`);
          }
          walk(c, `${path === '/' ? '' : path}/${name}`);
        }
      }
    };
    walk(this.root, '/');
    used.sort((a, b) => a.sector - b.sector);
    const last = used[used.length - 1]!;
    if (
      sizeBytes !== undefined &&
      (last.sector + last.sectors) * SECTOR_BYTES > sizeBytes
    ) {
      throw new TfsFormatError(
        `storage at sector ${last.sector} ends beyond the filesystem ` +
          `(${sizeBytes} bytes)`,
      );
    }
    for (let i = 1; i < used.length; i++) {
      const a = used[i - 1]!;
      if (a.sector + a.sectors > used[i]!.sector) {
        throw new TfsFormatError(
          `storage overlaps at sector ${used[i]!.sector}`,
        );
      }
    }
  }

  private extentsOf(t: Tuple, where: string): Extent[] {
    let e = this.extentCache.get(t);
    if (!e) {
      e = fileExtents(t, where);
      this.extentCache.set(t, e);
    }
    return e;
  }

  /**
   * Resolves a path to its tuple. Symlinks in the middle are always
   * followed; the last one only with `followLast`.
   */
  lookup(path: string, followLast = true): TfsStat {
    const stack: Tuple[] = [this.root];
    const names: string[] = [];
    const todo = path.split('/').filter((p) => p !== '' && p !== '.');
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '..') {
        if (stack.length > 1) {
          stack.pop();
          names.pop();
        }
        continue;
      }
      const children = stack[stack.length - 1]!.get('children');
      const child = children instanceof Tuple ? children.get(part) : undefined;
      if (!(child instanceof Tuple)) throw notFound(path);
      const target = tfsString(child.get('linktarget'));
      const isLink = nodeType(child) === 'symlink';
      if (isLink && (todo.length > 0 || followLast)) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw notFound(path, 'too many levels of symbolic links');
        }
        if (target!.startsWith('/')) {
          stack.length = 1;
          names.length = 0;
        }
        todo.unshift(...target!.split('/').filter((p) => p && p !== '.'));
        continue;
      }
      stack.push(child);
      names.push(part);
    }
    const tuple = stack[stack.length - 1]!;
    return {
      path: `/${names.join('/')}`,
      name: names[names.length - 1] ?? '/',
      ...this.describe(tuple),
      tuple,
    };
  }

  private describe(t: Tuple): Omit<TfsEntry, 'name'> {
    const type = nodeType(t);
    const entry: Omit<TfsEntry, 'name'> = {
      type,
      sizeBytes:
        type === 'file' && t.has('filelength')
          ? tfsNumber(t.get('filelength'), 'filelength')
          : 0,
    };
    if (type === 'symlink') entry.target = tfsString(t.get('linktarget'));
    return entry;
  }

  /** stat(2): follows a final symlink. */
  stat(path: string): TfsStat {
    return this.lookup(path, true);
  }

  /** lstat(2): a final symlink is described, not followed. */
  lstat(path: string): TfsStat {
    return this.lookup(path, false);
  }

  /** The entries of a directory, in stored order. */
  list(path = '/'): TfsEntry[] {
    const st = this.stat(path);
    if (st.type !== 'dir') throw wrongType(path, st.type);
    const out: TfsEntry[] = [];
    for (const [name, c] of st.tuple.get('children') as Tuple) {
      if (c instanceof Tuple) out.push({ name, ...this.describe(c) });
    }
    return out;
  }

  private fileOf(path: string): TfsStat {
    const st = this.stat(path);
    if (st.type !== 'file') throw wrongType(path, st.type);
    return st;
  }

  /** Reads `length` bytes of a file tuple at `position` (holes are 0). */
  async readAt(st: TfsStat, position: number, length: number): Promise<Buffer> {
    const end = Math.min(position + length, st.sizeBytes);
    const out = Buffer.alloc(Math.max(0, end - position));
    for (const e of this.extentsOf(st.tuple, st.path)) {
      if (e.uninited) continue;
      const from = Math.max(position, e.fileSector * SECTOR_BYTES);
      const to = Math.min(end, (e.fileSector + e.length) * SECTOR_BYTES);
      if (from >= to) continue;
      const at = e.offset * SECTOR_BYTES + (from - e.fileSector * SECTOR_BYTES);
      const data = await this.read(at, to - from);
      data.copy(out, from - position);
    }
    return out;
  }

  /** A whole file's bytes (symlinks followed). */
  async readFile(path: string): Promise<Buffer> {
    const st = this.fileOf(path);
    const parts: Buffer[] = [];
    for (let p = 0; p < st.sizeBytes; p += READ_CHUNK_BYTES * 16) {
      parts.push(await this.readAt(st, p, READ_CHUNK_BYTES * 16));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** A file's bytes as a stream of chunks of at most 1 MiB. */
  createReadStream(path: string): Readable {
    const st = this.fileOf(path);
    const self = this;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let p = 0; p < st.sizeBytes; p += READ_CHUNK_BYTES) {
        yield await self.readAt(st, p, READ_CHUNK_BYTES);
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }
}
