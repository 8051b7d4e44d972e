// Builds the small C fixtures with the host gcc into a temp folder.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'elf',
);

/** gcc <args> -o out; returns out. */
export function gcc(out: string, args: string[]): string {
  mkdirSync(dirname(out), { recursive: true });
  execFileSync('gcc', [...args, '-o', out], { stdio: 'pipe' });
  return out;
}

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** A shared library libNAME.so built from a fixture source. */
export function sharedLib(dir: string, name: string, source: string): string {
  return gcc(join(dir, `lib${name}.so`), [
    '-shared',
    '-fPIC',
    `-Wl,-soname,lib${name}.so`,
    fixture(source),
  ]);
}

/** The 64-byte ELF64 header of an aarch64 executable, nothing else. */
export function aarch64Header(): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // ELFCLASS64
  b[5] = 1; // little endian
  b[6] = 1; // EV_CURRENT
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(183, 18); // EM_AARCH64
  b.writeUInt32LE(1, 20);
  b.writeUInt16LE(64, 52); // e_ehsize
  b.writeUInt16LE(56, 54); // e_phentsize
  b.writeUInt16LE(0, 56); // e_phnum
  return b;
}
