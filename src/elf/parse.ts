// A small ELF reader: the header, PT_INTERP and the dynamic section's
// names. It reads only the ranges it needs, never the whole file.
import { open, type FileHandle } from 'node:fs/promises';
import { describeFsError, UserError } from '../errors.js';

export interface ElfInfo {
  path: string;
  elfClass: 32 | 64;
  littleEndian: boolean;
  /** e_machine: 62 x86-64, 183 aarch64, 3 i386, 40 arm, 243 riscv. */
  machine: number;
  /** A readable name for `machine`. */
  arch: string;
  /** e_type: 2 executable, 3 shared object or PIE. */
  type: number;
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2. */
  interpreter?: string;
  needed: string[];
  rpath: string[];
  runpath: string[];
  soname?: string;
  /** DT_FLAGS_1 has DF_1_PIE: an ET_DYN that is a program, not a library. */
  pie?: boolean;
}

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const MACHINES: Record<number, string> = {
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv',
};

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const DT_FLAGS_1 = 0x6ffffffb;
const DF_1_PIE = 0x08000000;
/** Limits that keep a corrupt header from asking for gigabytes. */
const MAX_HEADERS_BYTES = 1 << 20;
const MAX_STRTAB_BYTES = 16 << 20;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

class Reader {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
    readonly is64: boolean,
  ) {}
  u16(o: number): number {
    return this.le ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o);
  }
  u32(o: number): number {
    return this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
  }
  /** A word: 8 bytes in ELF64, 4 in ELF32. */
  word(o: number): number {
    if (!this.is64) return this.u32(o);
    const v = this.le
      ? this.buf.readBigUInt64LE(o)
      : this.buf.readBigUInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER)
      ? Number.MAX_SAFE_INTEGER
      : Number(v);
  }
}

function corrupt(path: string, what: string): UserError {
  return new UserError('ELF_INVALID', `${path}: corrupt ELF file (${what})`, {
    hint: 'rebuild the file or point Program at a working executable',
  });
}

async function readAt(
  fh: FileHandle,
  offset: number,
  length: number,
): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

function cString(buf: Buffer, offset: number): string | undefined {
  if (offset < 0 || offset >= buf.length) return undefined;
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end < 0 ? buf.length : end);
}

function notElf(path: string, head: Buffer): UserError {
  if (head.subarray(0, 2).toString('latin1') === '#!') {
    const line = head.toString('latin1', 2).split('\n')[0]!.trim();
    const [first = '', second] = line.split(/\s+/);
    // `#!/usr/bin/env python3`: the interpreter is found on PATH.
    const interpreter =
      first.endsWith('/env') && second
        ? `${second}, its path from \`command -v ${second}\``
        : first || 'e.g. /usr/bin/python3';
    return new UserError(
      'NOT_ELF',
      `${path} is not an executable ELF file: it is a script (#!${line})`,
      {
        hint:
          `point Program at its interpreter (${interpreter}) and pass the ` +
          'script in Args',
      },
    );
  }
  return new UserError('NOT_ELF', `${path} is not an executable ELF file`, {
    hint: 'give a compiled Linux executable, not a source or data file',
  });
}

function segments(path: string, r: Reader, table: Buffer): Segment[] {
  const entSize = r.u16(r.is64 ? 54 : 42);
  const count = r.u16(r.is64 ? 56 : 44);
  const out: Segment[] = [];
  const t = new Reader(table, r.le, r.is64);
  for (let i = 0; i < count; i++) {
    const o = i * entSize;
    if (o + (r.is64 ? 56 : 32) > table.length) throw corrupt(path, 'phdrs');
    out.push(
      r.is64
        ? {
            type: t.u32(o),
            offset: t.word(o + 8),
            vaddr: t.word(o + 16),
            filesz: t.word(o + 32),
          }
        : {
            type: t.u32(o),
            offset: t.u32(o + 4),
            vaddr: t.u32(o + 8),
            filesz: t.u32(o + 16),
          },
    );
  }
  return out;
}

function vaddrToOffset(segs: Segment[], addr: number): number | undefined {
  for (const s of segs) {
    if (s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz) {
      return s.offset + (addr - s.vaddr);
    }
  }
  return undefined;
}

async function readDynamic(
  fh: FileHandle,
  info: ElfInfo,
  r: Reader,
  segs: Segment[],
): Promise<void> {
  const dyn = segs.find((s) => s.type === PT_DYNAMIC);
  if (!dyn) return;
  const size = Math.min(dyn.filesz, MAX_HEADERS_BYTES);
  const d = new Reader(await readAt(fh, dyn.offset, size), r.le, r.is64);
  const ent = r.is64 ? 16 : 8;
  const tags: Array<[number, number]> = [];
  for (let o = 0; o + ent <= d.buf.length; o += ent) {
    const tag = d.word(o);
    if (tag === 0) break;
    tags.push([tag, d.word(o + ent / 2)]);
  }
  const flags1 = tags.find(([t]) => t === DT_FLAGS_1)?.[1] ?? 0;
  if ((flags1 & DF_1_PIE) !== 0) info.pie = true;
  const strtab = tags.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = tags.find(([t]) => t === DT_STRSZ)?.[1] ?? 0;
  if (strtab === undefined) return;
  const offset = vaddrToOffset(segs, strtab) ?? strtab;
  const strings = await readAt(fh, offset, Math.min(strsz, MAX_STRTAB_BYTES));
  const name = (v: number) => {
    const s = cString(strings, v);
    if (s === undefined) throw corrupt(info.path, 'dynamic string');
    return s;
  };
  const paths = (v: number) =>
    name(v)
      .split(':')
      .filter((p) => p !== '');
  for (const [tag, val] of tags) {
    if (tag === DT_NEEDED) info.needed.push(name(val));
    else if (tag === DT_RPATH) info.rpath.push(...paths(val));
    else if (tag === DT_RUNPATH) info.runpath.push(...paths(val));
    else if (tag === DT_SONAME) info.soname = name(val);
  }
}

/** Reads an ELF file's linking facts. Throws NOT_ELF for anything else. */
export async function readElf(path: string): Promise<ElfInfo> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw describeFsError(err, 'reading ELF', path);
  }
  try {
    const head = await readAt(fh, 0, 64);
    if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) {
      throw notElf(path, head);
    }
    const is64 = head[4] === 2;
    const le = head[5] !== 2;
    if ((head[4] !== 1 && !is64) || (is64 && head.length < 64)) {
      throw corrupt(path, 'class');
    }
    const r = new Reader(head, le, is64);
    const machine = r.u16(18);
    const info: ElfInfo = {
      path,
      elfClass: is64 ? 64 : 32,
      littleEndian: le,
      machine,
      arch: MACHINES[machine] ?? `machine ${machine}`,
      type: r.u16(16),
      needed: [],
      rpath: [],
      runpath: [],
    };
    const phoff = r.word(is64 ? 32 : 28);
    const tableSize = r.u16(is64 ? 54 : 42) * r.u16(is64 ? 56 : 44);
    if (tableSize > MAX_HEADERS_BYTES) throw corrupt(path, 'phdr size');
    const segs = segments(path, r, await readAt(fh, phoff, tableSize));
    const interp = segs.find((s) => s.type === PT_INTERP);
    if (interp) {
      const buf = await readAt(
        fh,
        interp.offset,
        Math.min(interp.filesz, 4096),
      );
      info.interpreter = cString(buf, 0);
    }
    await readDynamic(fh, info, r, segs);
    return info;
  } finally {
    await fh.close();
  }
}

/** True when the program needs no loader and no libraries. */
export function isStaticElf(info: ElfInfo): boolean {
  return info.interpreter === undefined && info.needed.length === 0;
}
