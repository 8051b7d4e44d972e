// The resolver on hand-made files: musl search rules, 32-bit refusal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveElfDeps } from '../../src/elf/resolve.js';
import type { UserError } from '../../src/errors.js';
import { craftElf, type CraftOptions } from './craft.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-elf-rcraft-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(path: string, o: Partial<CraftOptions> = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    craftElf({ is64: true, littleEndian: true, machine: 62, needed: [], ...o }),
  );
  return path;
}

describe('resolveElfDeps for musl programs', () => {
  const root = join(dir, 'alpine');
  put(join(root, 'lib/ld-musl-x86_64.so.1'));
  put(join(root, 'custom/libfoo.so'), { needed: ['libc.so'] });
  put(join(root, 'usr/lib/libfoo.so'));
  put(join(root, 'usr/lib/libbar.so'));
  const app = put(join(root, 'app'), {
    interpreter: '/lib/ld-musl-x86_64.so.1',
    needed: ['libc.so', 'libfoo.so'],
  });

  it('skips the names libc provides and reads the musl path file', async () => {
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/ld-musl-x86_64.path'), '/custom\n');
    const deps = await resolveElfDeps(app, { root, arch: 'x86_64' });
    expect(deps.libc).toBe('musl');
    expect(deps.interpreter!.realImagePath).toBe('/lib/ld-musl-x86_64.so.1');
    expect(deps.libraries.map((l) => [l.name, l.imagePath])).toEqual([
      ['libfoo.so', '/custom/libfoo.so'],
    ]);
    rmSync(join(root, 'etc'), { recursive: true });
  });

  it('uses /lib, /usr/local/lib, /usr/lib without a path file', async () => {
    const deps = await resolveElfDeps(app, { root });
    expect(deps.libraries.map((l) => l.imagePath)).toEqual([
      '/usr/lib/libfoo.so',
    ]);
  });
});

describe('resolveElfDeps refuses', () => {
  it('a 32-bit program', async () => {
    const path = put(join(dir, 'i386'), { is64: false, machine: 3 });
    const err = (await resolveElfDeps(path).catch((e: unknown) => e)) as
      UserError | undefined;
    expect(err?.code).toBe('ELF_WRONG_ARCH');
    expect(err?.message).toContain('32-bit i386');
  });

  it('lists every missing library at once', async () => {
    const path = put(join(dir, 'many'), {
      interpreter: '/lib/ld-musl-x86_64.so.1',
      needed: ['liba.so', 'libb.so'],
    });
    put(join(dir, 'lib/ld-musl-x86_64.so.1'));
    const err = (await resolveElfDeps(path, { root: dir }).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(err.code).toBe('ELF_LIBRARY_MISSING');
    expect(err.message).toContain(`2 libraries are missing (inside ${dir})`);
    expect(err.message).toContain('liba.so, needed by /many');
    expect(err.message).toContain('libb.so, needed by /many');
  });
});
