// Decodes the §4.3 image (kernel mkfs style: EAV records, integers, data
// at sector 3073, raw TFS without MBR) with openImage.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage, type ImageReader } from '../../src/image/read.js';
import { hello159, xxd } from './fixtures.js';

const SECTOR0 = `
00000000: 4e56 4d54 4653 0501 080b fcc0 e332 7c2d
00000010: a169 8a8f 8712 dbfe 0005 0188 0001 0000`;

const EXTENSION = `
00000200: 4e56 4d54 4653 0588 0002 5151 9488 0863
00000210: 6869 6c64 7265 6e91 8568 656c 6c6f 9087
00000220: 7072 6f67 7261 6dc6 2f68 656c 6c6f 880b
00000230: 656e 7669 726f 6e6d 656e 7491 8346 4f4f
00000240: c362 6172 8809 6172 6775 6d65 6e74 73a2
00000250: c62f 6865 6c6c 6fc5 776f 726c 6402 0b0b
00000260: 1105 8765 7874 656e 7473 9002 2525 110d
00000270: 8130 9386 6f66 6673 6574 b098 0186 6c65
00000280: 6e67 7468 b001 8809 616c 6c6f 6361 7465
00000290: 64b0 0102 1111 1105 880a 6669 6c65 6c65
000002a0: 6e67 7468 b081 1f01 0000 0000 0000 0000`;

let dir: string;
let img: ImageReader;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-mkfs-'));
  const disk = Buffer.alloc(2621440);
  for (const part of [SECTOR0, EXTENSION]) {
    const { offset, bytes } = xxd(part);
    bytes.copy(disk, offset);
  }
  hello159().copy(disk, 3073 * 512);
  await writeFile(join(dir, 'mkfs.img'), disk);
  img = await openImage(join(dir, 'mkfs.img'));
});

afterAll(async () => {
  await img?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('§4.3 mkfs image', () => {
  it('is read as a raw TFS with its UUID', () => {
    expect(img.partitions.layout).toBe('raw');
    expect(img.root.uuid).toBe('080bfcc0-e332-7c2d-a169-8a8f8712dbfe');
    expect(img.root.label).toBe('');
    expect(img.root.version).toBe(5);
  });

  it('replays the four records into the §4.2 manifest', () => {
    expect(img.manifestJson()).toEqual({
      program: '/hello',
      environment: { FOO: 'bar' },
      arguments: ['/hello', 'world'],
    });
  });

  it('reads hello through integer extents at sector 3073', async () => {
    expect(img.list('/')).toEqual([
      { name: 'hello', type: 'file', sizeBytes: 159 },
    ]);
    expect((await img.readFile('/hello')).equals(hello159())).toBe(true);
  });
});
