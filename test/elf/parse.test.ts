import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStaticElf, readElf } from '../../src/elf/parse.js';
import { UserError } from '../../src/errors.js';
import { aarch64Header, fixture, gcc } from './compile.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-elf-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readElf', () => {
  it('reads the loader and DT_NEEDED of a dynamic program', async () => {
    const exe = gcc(join(dir, 'dyn'), [fixture('hello.c')]);
    const info = await readElf(exe);
    expect(info.elfClass).toBe(64);
    expect(info.littleEndian).toBe(true);
    expect(info.arch).toBe('x86_64');
    expect(info.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(info.needed).toEqual(['libc.so.6']);
    expect(isStaticElf(info)).toBe(false);
  });

  it('sees a static program as needing nothing', async () => {
    const exe = gcc(join(dir, 'static'), ['-static', fixture('hello.c')]);
    const info = await readElf(exe);
    expect(info.interpreter).toBeUndefined();
    expect(info.needed).toEqual([]);
    expect(isStaticElf(info)).toBe(true);
  });

  it('reads RUNPATH, RPATH and SONAME', async () => {
    const lib = gcc(join(dir, 'libfoo.so'), [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libfoo.so.1',
      fixture('foo.c'),
    ]);
    expect((await readElf(lib)).soname).toBe('libfoo.so.1');
    const runpath = gcc(join(dir, 'runpath'), [
      fixture('uses-foo.c'),
      `-L${dir}`,
      '-lfoo',
      '-Wl,-rpath,$ORIGIN/lib:/opt/x',
      '-Wl,--enable-new-dtags',
    ]);
    const r = await readElf(runpath);
    expect(r.runpath).toEqual(['$ORIGIN/lib', '/opt/x']);
    expect(r.rpath).toEqual([]);
    expect(r.needed).toContain('libfoo.so.1');
    const rpath = gcc(join(dir, 'rpath'), [
      fixture('uses-foo.c'),
      `-L${dir}`,
      '-lfoo',
      '-Wl,-rpath,/opt/y',
      '-Wl,--disable-new-dtags',
    ]);
    expect((await readElf(rpath)).rpath).toEqual(['/opt/y']);
  });

  it('reads a hand-made aarch64 header', async () => {
    const path = join(dir, 'arm');
    writeFileSync(path, aarch64Header());
    const info = await readElf(path);
    expect(info.machine).toBe(183);
    expect(info.arch).toBe('aarch64');
    expect(info.needed).toEqual([]);
  });

  it('rejects a script, naming it and suggesting the interpreter', async () => {
    const path = join(dir, 'run.sh');
    writeFileSync(path, '#!/bin/sh\necho hi\n');
    const err = await readElf(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe('NOT_ELF');
    expect((err as UserError).message).toContain(path);
    expect((err as UserError).message).toBe(
      `${path} is not an executable ELF file: it is a script (#!/bin/sh)`,
    );
    expect((err as UserError).hint).toContain('interpreter (/bin/sh)');
  });

  it('names the interpreter of an env script', async () => {
    const path = join(dir, 'app.py');
    writeFileSync(path, '#!/usr/bin/env python3\nprint(1)\n');
    const err = await readElf(path).catch((e: unknown) => e);
    expect((err as UserError).hint).toBe(
      'point Program at its interpreter (python3, its path from ' +
        '`command -v python3`) and pass the script in Args',
    );
  });

  it('rejects a source file without calling it a script', async () => {
    const path = join(dir, 'hello.c');
    writeFileSync(path, '#include <stdio.h>\nint main(void) { return 0; }\n');
    const err = await readElf(path).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'NOT_ELF',
      message: `${path} is not an executable ELF file`,
    });
    expect((err as UserError).hint).not.toContain('script');
    expect((err as UserError).hint).toContain('compiled Linux executable');
  });

  it('rejects a truncated ELF without crashing', async () => {
    const path = join(dir, 'trunc');
    const head = aarch64Header();
    head.writeUInt16LE(3, 56); // three program headers that are not there
    head.writeBigUInt64LE(64n, 32);
    writeFileSync(path, head);
    const err = await readElf(path).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('ELF_INVALID');
  });
});
