// Hand-made ELF files with PT_INTERP and a dynamic section, in any class
// and byte order, to test the reader beyond what the host gcc makes.

export interface CraftOptions {
  is64: boolean;
  littleEndian: boolean;
  machine: number;
  interpreter?: string;
  needed: string[];
  runpath?: string;
  soname?: string;
}

const VADDR = 0x400000;

export function craftElf(o: CraftOptions): Buffer {
  const ehsize = o.is64 ? 64 : 52;
  const phentsize = o.is64 ? 56 : 32;
  const dynent = o.is64 ? 16 : 8;
  const phnum = 3;
  // Layout: header, phdrs, interp, strtab, dynamic.
  const interp = Buffer.from(`${o.interpreter ?? ''}\0`);
  const names = [...o.needed, o.runpath, o.soname].filter(
    (n): n is string => n !== undefined,
  );
  const strOffsets = new Map<string, number>();
  let strtab = Buffer.from('\0');
  for (const n of names) {
    strOffsets.set(n, strtab.length);
    strtab = Buffer.concat([strtab, Buffer.from(`${n}\0`)]);
  }
  const tags: Array<[number, number]> = [
    ...o.needed.map((n): [number, number] => [1, strOffsets.get(n)!]),
  ];
  if (o.runpath) tags.push([29, strOffsets.get(o.runpath)!]);
  if (o.soname) tags.push([14, strOffsets.get(o.soname)!]);
  const interpOff = ehsize + phnum * phentsize;
  const strOff = interpOff + interp.length;
  const dynOff = strOff + strtab.length;
  tags.push([5, VADDR + strOff], [10, strtab.length], [0, 0]);
  const total = dynOff + tags.length * dynent;
  const b = Buffer.alloc(total);
  const le = o.littleEndian;
  const u16 = (v: number, at: number) =>
    le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at);
  const u32 = (v: number, at: number) =>
    le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at);
  const word = (v: number, at: number) => {
    if (!o.is64) return u32(v, at);
    return le
      ? b.writeBigUInt64LE(BigInt(v), at)
      : b.writeBigUInt64BE(BigInt(v), at);
  };
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = o.is64 ? 2 : 1;
  b[5] = le ? 1 : 2;
  b[6] = 1;
  u16(3, 16);
  u16(o.machine, 18);
  u32(1, 20);
  word(ehsize, o.is64 ? 32 : 28); // e_phoff
  u16(ehsize, o.is64 ? 52 : 40);
  u16(phentsize, o.is64 ? 54 : 42);
  u16(phnum, o.is64 ? 56 : 44);
  const phdr = (i: number, type: number, off: number, size: number) => {
    const at = ehsize + i * phentsize;
    u32(type, at);
    if (o.is64) {
      word(off, at + 8);
      word(VADDR + off, at + 16);
      word(VADDR + off, at + 24);
      word(size, at + 32);
      word(size, at + 40);
    } else {
      u32(off, at + 4);
      u32(VADDR + off, at + 8);
      u32(VADDR + off, at + 12);
      u32(size, at + 16);
      u32(size, at + 20);
    }
  };
  phdr(0, 1, 0, total); // PT_LOAD: the whole file
  if (o.interpreter) phdr(1, 3, interpOff, interp.length);
  phdr(2, 2, dynOff, tags.length * dynent);
  interp.copy(b, interpOff);
  strtab.copy(b, strOff);
  tags.forEach(([tag, val], i) => {
    word(tag, dynOff + i * dynent);
    word(val, dynOff + i * dynent + dynent / 2);
  });
  return b;
}
