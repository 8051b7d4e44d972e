// The reader on hand-made files: both classes, both byte orders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf } from '../../src/elf/parse.js';
import { craftElf } from './craft.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-elf-craft-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readElf on crafted files', () => {
  it.each([
    [64, true, 183, 'aarch64'],
    [64, false, 21, 'ppc64'],
    [32, true, 40, 'arm'],
    [32, false, 8, 'mips'],
  ] as const)('ELF%d little-endian=%s', async (bits, le, machine, arch) => {
    const path = join(dir, `e${bits}${le}`);
    writeFileSync(
      path,
      craftElf({
        is64: bits === 64,
        littleEndian: le,
        machine,
        interpreter: '/lib/ld-test.so.1',
        needed: ['libone.so.1', 'libtwo.so'],
        runpath: '$ORIGIN/../lib:/opt/lib',
        soname: 'self.so',
      }),
    );
    const info = await readElf(path);
    expect(info).toMatchObject({
      elfClass: bits,
      littleEndian: le,
      machine,
      arch,
      type: 3,
      interpreter: '/lib/ld-test.so.1',
      needed: ['libone.so.1', 'libtwo.so'],
      runpath: ['$ORIGIN/../lib', '/opt/lib'],
      rpath: [],
      soname: 'self.so',
    });
  });
});
