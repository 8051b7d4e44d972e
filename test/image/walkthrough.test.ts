// The spec's §4.1/§4.2 walkthrough image, byte for byte.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/image/write.js';
import { hello159, walkthroughSpec, xxd } from './fixtures.js';

const SECTOR0_TAIL = `
000001a0: 0000 0000 0000 0000 0000 0080 0000 0000
000001b0: 0000 00bc 0000 0000 0000 0c00 0000 8001
000001c0: 2900 8388 2e01 6700 0000 0060 0000 8088
000001d0: 2f01 8399 0101 6760 0000 0204 0000 0000
000001e0: 0000 0000 0000 0000 0000 0000 0000 0000
000001f0: 0000 0000 0000 0000 0000 0000 0000 55aa`;

const ROOT_INITIAL = `
00c0ce00: 4e56 4d54 4653 0501 2021 2223 2425 2627
00c0ce10: 2829 2a2b 2c2d 2e2f 0005 0188 0001 0000`;

const ROOT_FIRST_EXTENSION = `
00c0d000: 4e56 4d54 4653 0588 0002 810f 810f 9488
00c0d010: 0863 6869 6c64 7265 6e91 8568 656c 6c6f
00c0d020: 9288 0a66 696c 656c 656e 6774 68c3 3135
00c0d030: 3987 6578 7465 6e74 7391 8130 9386 6c65
00c0d040: 6e67 7468 c131 866f 6666 7365 74c4 3130
00c0d050: 3235 8809 616c 6c6f 6361 7465 64c1 3187
00c0d060: 7072 6f67 7261 6dc6 2f68 656c 6c6f 8809
00c0d070: 6172 6775 6d65 6e74 73a2 c62f 6865 6c6c
00c0d080: 6fc5 776f 726c 6488 0b65 6e76 6972 6f6e
00c0d090: 6d65 6e74 9183 464f 4fc3 6261 7201 0000`;

const BOOT_FIRST_EXTENSION = `
0000d000: 4e56 4d54 4653 0588 0002 5151 9188 0863
0000d010: 6869 6c64 7265 6e91 866b 6572 6e65 6c92
0000d020: 880a 6669 6c65 6c65 6e67 7468 c231 3987
0000d030: 6578 7465 6e74 7391 8130 9386 6c65 6e67
0000d040: 7468 c131 866f 6666 7365 74c4 3130 3235
0000d050: 8809 616c 6c6f 6361 7465 64c1 3101 0000`;

let dir: string;
let img: Buffer;
let result: Awaited<ReturnType<typeof writeImage>>;

async function readAt(path: string, offset: number, n: number) {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, offset);
    return b;
  } finally {
    await fh.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-walk-'));
  const out = join(dir, 'hello.img');
  result = await writeImage(walkthroughSpec(), out);
  img = await readAt(out, 0, result.sizeBytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function region(text: string) {
  const { offset, bytes } = xxd(text);
  return {
    expected: bytes,
    actual: img.subarray(offset, offset + bytes.length),
  };
}

describe('§4 walkthrough image', () => {
  it('ends 512 KiB of slack after the spec size 0xC8D200', () => {
    expect(result.rootOffsetBytes).toBe(0xc0ce00);
    expect(result.sizeBytes).toBe(0xc8d200 + 512 * 1024);
    expect(result.rootUuid).toBe('20212223-2425-2627-2829-2a2b2c2d2e2f');
    expect(result.bootUuid).toBe('10111213-1415-1617-1819-1a1b1c1d1e1f');
  });

  it('has the spec sector-0 tail, rootfs count grown by the slack', () => {
    const { expected, actual } = region(SECTOR0_TAIL);
    // The spec image has no slack: rootfs 1026 sectors, last-sector CHS
    // 99 01 01. With 1024 sectors of slack: 2050 sectors, CHS A9 11 01.
    const patched = Buffer.from(expected);
    patched.set([0xa9, 0x11, 0x01], 0x1d3 - 0x1a0);
    patched.writeUInt32LE(2050, 0x1da - 0x1a0);
    expect(actual.toString('hex')).toBe(patched.toString('hex'));
  });

  it('keeps stage1 and stage2 verbatim and zeroes the KLOG', () => {
    const boot = walkthroughSpec().bootImage!;
    const data = (boot as { data: Uint8Array }).data;
    expect(
      img.subarray(0, 0x1aa).equals(Buffer.from(data).subarray(0, 0x1aa)),
    ).toBe(true);
    expect(
      img.subarray(512, 0xbe00).equals(Buffer.from(data).subarray(512)),
    ).toBe(true);
    expect(img.subarray(0xbe00, 0xce00).every((b) => b === 0)).toBe(true);
  });

  it('has the spec rootfs initial extension', () => {
    const { expected, actual } = region(ROOT_INITIAL);
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
    expect(img.subarray(0xc0ce20, 0xc0d000).every((b) => b === 0)).toBe(true);
  });

  it('has the spec rootfs first extension record', () => {
    const { expected, actual } = region(ROOT_FIRST_EXTENSION);
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
    expect(img.subarray(0xc0d0a0, 0xc8d000).every((b) => b === 0)).toBe(true);
  });

  it('has the spec bootfs extensions and kernel data', () => {
    const { expected, actual } = region(BOOT_FIRST_EXTENSION);
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
    expect(img.subarray(0xce00, 0xce1e).toString('hex')).toBe(
      '4e564d544653050110111213141516171819' + '1a1b1c1d1e1f0005018800' + '01',
    );
    expect(img.subarray(0x8d000, 0x8d013).toString()).toBe(
      'KERNEL-PLACEHOLDER\n',
    );
    expect(img.subarray(0x8d013, 0xc0ce00).every((b) => b === 0)).toBe(true);
  });

  it('has hello at fs sector 1025, zero-padded', () => {
    expect(img.subarray(0xc8d000, 0xc8d000 + 159).equals(hello159())).toBe(
      true,
    );
    expect(img.subarray(0xc8d000 + 159).every((b) => b === 0)).toBe(true);
  });
});
