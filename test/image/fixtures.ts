// Shared helpers for image tests: xxd-style hex parsing and the spec's
// §4 walkthrough inputs.
import { Tuple } from '../../src/tfs/value.js';
import type { ImageSpec } from '../../src/image/tree.js';

/** Parses `xxd` lines ("00c0ce00: 4e56 4d54 ...  text") into bytes. */
export function xxd(text: string): { offset: number; bytes: Buffer } {
  const lines = text.trim().split('\n');
  const parts: Buffer[] = [];
  let offset = -1;
  for (const line of lines) {
    const m = /^([0-9a-f]+):((?: [0-9a-f]{2,4})+)/i.exec(line.trim());
    if (!m) throw new Error(`bad xxd line: ${line}`);
    if (offset < 0) offset = parseInt(m[1]!, 16);
    parts.push(Buffer.from(m[2]!.replace(/ /g, ''), 'hex'));
  }
  return { offset, bytes: Buffer.concat(parts) };
}

/** Spaced hex ("4E 56 ...") to bytes. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

export function seq(from: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => from + i);
}

/** A synthetic boot.img: stage1 pattern, region record, 0xBC00 stage2. */
export function syntheticBootImg(stage2Bytes = 0xbc00, type = 12): Buffer {
  const b = Buffer.alloc(512 + stage2Bytes);
  for (let i = 0; i < 0x1a0; i++) b[i] = (i * 7 + 1) & 0xff;
  b.writeBigUInt64LE(0x8000n, 0x1aa);
  b.writeBigUInt64LE(BigInt(stage2Bytes), 0x1b2);
  b.writeUInt32LE(type, 0x1ba);
  b[0x1fe] = 0x55;
  b[0x1ff] = 0xaa;
  for (let i = 512; i < b.length; i++) b[i] = (i % 251) + 1;
  return b;
}

/** 159 bytes that start like an ELF, as `hello` in §4. */
export function hello159(): Buffer {
  const b = Buffer.alloc(159);
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + 5) & 0xff;
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b);
  return b;
}

/** The §4 walkthrough image spec (BIOS, UUIDs 10..1F / 20..2F). */
export function walkthroughSpec(): ImageSpec {
  const env = new Tuple([['FOO', 'bar']]);
  return {
    bootImage: { kind: 'bytes', data: syntheticBootImg() },
    kernel: { kind: 'bytes', data: Buffer.from('KERNEL-PLACEHOLDER\n') },
    klibs: new Map(),
    root: {
      type: 'dir',
      children: new Map([
        [
          'hello',
          { type: 'file', source: { kind: 'bytes', data: hello159() } },
        ],
      ]),
    },
    manifest: new Map<string, import('../../src/tfs/value.js').TfsValue>([
      ['program', '/hello'],
      ['arguments', ['/hello', 'world']],
      ['environment', env],
    ]),
    rootUuid: seq(0x20, 16),
    bootUuid: seq(0x10, 16),
  };
}
