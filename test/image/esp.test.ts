// The ESP (§1.5) rebuilt independently from the spec tables and compared
// with the writer's output, all 33 MiB.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openImage } from '../../src/image/read.js';
import { writeImage } from '../../src/image/write.js';
import { hex, walkthroughSpec } from './fixtures.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function expectedEsp(loader: Buffer): Buffer {
  const p = Buffer.alloc(33 * 1024 * 1024);
  const vbr = Buffer.alloc(512);
  hex(
    'EB 58 90 6D 6B 66 73 2E 66 61 74 00 02 01 20 00 02 00 00 00 00 F8 00 00' +
      '20 00 40 00 00 00 00 00 CC 06 01 00 06 02 00 00 00 00 00 00 02 00 00 00' +
      '01 00 06 00',
  ).copy(vbr, 0);
  hex('80 00 29 9E F9 43 DF 4E 4F 20 4E 41 4D 45 20 20 20 20').copy(vbr, 0x40);
  Buffer.from('FAT32   ').copy(vbr, 0x52);
  hex(
    '0E 1F BE 77 7C AC 22 C0 74 0B 56 B4 0E BB 07 00 CD 10 5E EB F0 32 E4 CD' +
      '16 CD 19 EB FE',
  ).copy(vbr, 0x5a);
  const msg = Buffer.from(
    'This is not a bootable disk.  Please insert a bootable floppy and\r\n' +
      'press any key to try again ... \r\n',
  );
  expect(msg.length).toBe(100);
  msg.copy(vbr, 0x77);
  vbr[0x1fe] = 0x55;
  vbr[0x1ff] = 0xaa;
  vbr.copy(p, 0);
  vbr.copy(p, 0xc00);
  Buffer.from('RRaA').copy(p, 0x200);
  Buffer.from('rrAa').copy(p, 0x200 + 0x1e4);
  hex('AE 01 01 00 F3 00 00 00').copy(p, 0x200 + 0x1e8);
  hex('55 AA').copy(p, 0x200 + 0x1fe);
  const n = Math.ceil(loader.length / 512);
  const fat = [0x0ffffff8, 0x0fffffff, 0x0ffffff8, 0x0fffffff, 0x0fffffff];
  for (let k = 5; k <= n + 5; k++) fat.push(k + 1);
  fat.push(0x0fffffff);
  fat.forEach((v, i) => p.writeUInt32LE(v, 0x4000 + 4 * i));
  hex(
    '45 46 49 20 20 20 20 20 20 20 20 10 00 00 60 39 7C 52 7C 52 00 00 60 39' +
      '7C 52 03 00 00 00 00 00',
  ).copy(p, 0x85800);
  hex(
    '2E 20 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C 7B 52 03 00 00 00 00 00' +
      '2E 2E 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C 7B 52 00 00 00 00 00 00' +
      '41 42 00 6F 00 6F 00 74 00 00 00 0F 00 DD FF FF FF FF FF FF FF FF FF FF FF FF 00 00 FF FF FF FF' +
      '42 4F 4F 54 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C 7B 52 04 00 00 00 00 00',
  ).copy(p, 0x85a00);
  hex(
    '2E 20 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C 7B 52 04 00 00 00 00 00' +
      '2E 2E 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C 7B 52 03 00 00 00 00 00' +
      '41 62 00 6F 00 6F 00 74 00 78 00 0F 00 1D 36 00 34 00 2E 00 65 00 66 00 69 00 00 00 00 00 FF FF' +
      '42 4F 4F 54 58 36 34 20 45 46 49 20 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C 7B 52 05 00',
  ).copy(p, 0x85c00);
  p.writeUInt32LE(loader.length, 0x85c7c);
  loader.copy(p, 0x85e00);
  return p;
}

describe('ESP template', () => {
  it('matches the §1.5 tables byte for byte, with the stub sector', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-esp-'));
    dirs.push(dir);
    const loader = Buffer.alloc(70001);
    for (let i = 0; i < loader.length; i++) loader[i] = (i * 31 + 7) & 0xff;
    const spec = walkthroughSpec();
    delete spec.bootImage;
    spec.uefiLoader = {
      name: 'bootx64.efi',
      source: { kind: 'bytes', data: loader },
    };
    const out = join(dir, 'uefi.img');
    const res = await writeImage(spec, out);
    const disk = await readFile(out);
    // No boot.img: stub with L = 0, so the ESP is at 512 + 4096 (LBA 9).
    const esp = disk.subarray(4608, 4608 + 33 * 1024 * 1024);
    expect(esp.equals(expectedEsp(loader))).toBe(true);
    expect(disk.readUInt32LE(0x1be + 8)).toBe(9);
    expect(disk[0x1be + 4]).toBe(0xef);
    expect(disk.readUInt32LE(0x1be + 12)).toBe(67584);
    expect(res.rootOffsetBytes).toBe(4608 + (33 << 20) + (12 << 20));

    const img = await openImage(out);
    expect(img.partitions.layout).toBe('mbr-esp');
    expect(img.partitions.root.offsetBytes).toBe(res.rootOffsetBytes);
    expect((await img.readFile('/hello')).length).toBe(159);
    const boot = await img.bootfs();
    expect((await boot.readFile('/kernel')).toString()).toBe(
      'KERNEL-PLACEHOLDER\n',
    );
    await img.close();
  });
});
