import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveElfDeps } from '../../src/elf/resolve.js';
import { UserError } from '../../src/errors.js';
import { aarch64Header, fixture, gcc, sharedLib } from './compile.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-elf-resolve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ldd's answer: soname -> real host path (or undefined without ldd). */
function lddOf(path: string): Map<string, string> | undefined {
  try {
    const out = execFileSync('ldd', [path], { encoding: 'utf8' });
    const map = new Map<string, string>();
    for (const m of out.matchAll(/^\s*(\S+) => (\/\S+)/gm)) {
      map.set(m[1]!, realpathSync(m[2]!));
    }
    return map;
  } catch {
    return undefined;
  }
}

describe('resolveElfDeps on the host', () => {
  it('finds nothing for a static program', async () => {
    const exe = gcc(join(dir, 'static'), ['-static', fixture('hello.c')]);
    const deps = await resolveElfDeps(exe, { arch: 'x86_64' });
    expect(deps.isStatic).toBe(true);
    expect(deps.interpreter).toBeUndefined();
    expect(deps.libraries).toEqual([]);
  });

  it('finds the loader and libc where ldd does', async () => {
    const exe = gcc(join(dir, 'dyn'), [fixture('hello.c')]);
    const deps = await resolveElfDeps(exe, {
      arch: 'x86_64',
      programImagePath: '/dyn',
    });
    expect(deps.isStatic).toBe(false);
    const interp = deps.interpreter!;
    expect(interp.imagePath).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(interp.hostPath).toBe(realpathSync(interp.imagePath));
    expect(interp.realImagePath).toBe(interp.hostPath);
    const libc = deps.libraries.find((l) => l.name === 'libc.so.6')!;
    expect(libc.neededBy).toEqual(['/dyn']);
    expect(libc.hostPath).toBe(realpathSync(libc.imagePath));
    const ldd = lddOf(exe);
    if (ldd) expect(libc.hostPath).toBe(ldd.get('libc.so.6'));
  });

  it('keeps the links on the way to the loader', async () => {
    const exe = gcc(join(dir, 'dyn2'), [fixture('hello.c')]);
    const { interpreter } = await resolveElfDeps(exe);
    // Each link, applied in order, must lead to the real file: replay them.
    let path = interpreter!.imagePath;
    for (const link of interpreter!.symlinks) {
      expect(path.startsWith(link.imagePath)).toBe(true);
      const parent = link.imagePath.slice(0, link.imagePath.lastIndexOf('/'));
      const target = link.target.startsWith('/')
        ? link.target
        : join(parent || '/', link.target);
      path = join(target, path.slice(link.imagePath.length));
    }
    expect(path).toBe(interpreter!.realImagePath);
  });

  it('finds a library through RUNPATH $ORIGIN/lib next to the program', async () => {
    const app = join(dir, 'origin');
    sharedLib(join(app, 'lib'), 'foo', 'foo.c');
    const exe = gcc(join(app, 'bin', 'app'), [
      fixture('uses-foo.c'),
      `-L${join(app, 'lib')}`,
      '-lfoo',
      '-Wl,-rpath,$ORIGIN/../lib',
    ]);
    const deps = await resolveElfDeps(exe, { programImagePath: '/bin/app' });
    const foo = deps.libraries.find((l) => l.name === 'libfoo.so')!;
    expect(foo.via).toBe('runpath');
    expect(foo.imagePath).toBe('/lib/libfoo.so');
    expect(foo.hostPath).toBe(join(app, 'lib', 'libfoo.so'));
    expect(foo.neededBy).toEqual(['/bin/app']);
  });

  it('names the missing library, who needs it and where it looked', async () => {
    const gone = join(dir, 'gone');
    const lib = sharedLib(gone, 'gone', 'foo.c');
    const exe = gcc(join(dir, 'needs-gone'), [
      fixture('uses-foo.c'),
      `-L${gone}`,
      '-lgone',
    ]);
    rmSync(lib);
    const err = await resolveElfDeps(exe, {
      programImagePath: '/needs-gone',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const e = err as UserError;
    expect(e.code).toBe('ELF_LIBRARY_MISSING');
    expect(e.message).toContain('libgone.so, needed by /needs-gone');
    expect(e.message).toMatch(/looked in .*\/lib\/x86_64-linux-gnu, /);
    expect(e.message).toContain('/usr/lib64, /lib, /usr/lib');
    expect(e.hint).toContain('LD_LIBRARY_PATH');
  });

  it('refuses an aarch64 program for an x86_64 kernel', async () => {
    const path = join(dir, 'arm-app');
    writeFileSync(path, aarch64Header());
    const err = await resolveElfDeps(path, { arch: 'x86_64' }).catch(
      (e: unknown) => e,
    );
    expect((err as UserError).code).toBe('ELF_WRONG_ARCH');
    expect((err as UserError).message).toContain('aarch64');
    expect((err as UserError).message).toContain('x86_64');
  });

  it('refuses a script', async () => {
    const path = join(dir, 'script.py');
    writeFileSync(path, '#!/usr/bin/python3\nprint(1)\n');
    const err = await resolveElfDeps(path).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('NOT_ELF');
  });
});

describe('resolveElfDeps inside a root', () => {
  const root = join(dir, 'root');
  const hostLoader = realpathSync('/lib64/ld-linux-x86-64.so.2');
  const hostLibc = realpathSync(
    execFileSync('gcc', ['-print-file-name=libc.so.6'], {
      encoding: 'utf8',
    }).trim(),
  );
  const multi = join(root, 'usr/lib/x86_64-linux-gnu');
  mkdirSync(multi, { recursive: true });
  copyFileSync(hostLoader, join(multi, basename(hostLoader)));
  copyFileSync(hostLibc, join(multi, 'libc.so.6'));
  symlinkSync('usr/lib', join(root, 'lib'));
  mkdirSync(join(root, 'lib64'));
  // Absolute: must resolve inside the root, not on the host.
  symlinkSync(
    `/lib/x86_64-linux-gnu/${basename(hostLoader)}`,
    join(root, 'lib64/ld-linux-x86-64.so.2'),
  );
  mkdirSync(join(root, 'etc/ld.so.conf.d'), { recursive: true });
  writeFileSync(
    join(root, 'etc/ld.so.conf'),
    '# comment\ninclude /etc/ld.so.conf.d/*.conf\n',
  );
  writeFileSync(
    join(root, 'etc/ld.so.conf.d/custom.conf'),
    '/opt/custom/lib\n',
  );
  const custom = join(root, 'opt/custom/lib');
  sharedLib(custom, 'foo', 'foo.c');
  const exe = gcc(join(root, 'usr/bin/app'), [
    fixture('uses-foo.c'),
    `-L${custom}`,
    '-lfoo',
  ]);

  it('resolves the loader, libc and an ld.so.conf.d library in the root', async () => {
    const deps = await resolveElfDeps(exe, { root, arch: 'x86_64' });
    expect(deps.interpreter).toEqual({
      imagePath: '/lib64/ld-linux-x86-64.so.2',
      realImagePath: `/usr/lib/x86_64-linux-gnu/${basename(hostLoader)}`,
      hostPath: join(multi, basename(hostLoader)),
      symlinks: [
        {
          imagePath: '/lib64/ld-linux-x86-64.so.2',
          target: `/lib/x86_64-linux-gnu/${basename(hostLoader)}`,
        },
        { imagePath: '/lib', target: 'usr/lib' },
      ],
    });
    const byName = new Map(deps.libraries.map((l) => [l.name, l]));
    expect(byName.get('libfoo.so')).toMatchObject({
      imagePath: '/opt/custom/lib/libfoo.so',
      hostPath: join(custom, 'libfoo.so'),
      via: 'ld.so.conf',
      neededBy: ['/usr/bin/app'],
    });
    expect(byName.get('libc.so.6')).toMatchObject({
      imagePath: '/lib/x86_64-linux-gnu/libc.so.6',
      realImagePath: '/usr/lib/x86_64-linux-gnu/libc.so.6',
      hostPath: join(multi, 'libc.so.6'),
      via: 'default',
    });
    expect(byName.get('libc.so.6')!.neededBy).toContain('/usr/bin/app');
    for (const lib of deps.libraries)
      expect(lib.hostPath.startsWith(root)).toBe(true);
  });

  it('skips a candidate of the wrong machine', async () => {
    const wrong = join(root, 'wrong');
    mkdirSync(wrong, { recursive: true });
    writeFileSync(join(wrong, 'libfoo.so'), aarch64Header());
    const deps = await resolveElfDeps(exe, { root, ldLibraryPath: ['/wrong'] });
    const foo = deps.libraries.find((l) => l.name === 'libfoo.so')!;
    expect(foo.imagePath).toBe('/opt/custom/lib/libfoo.so');
  });

  it('takes a library from LD_LIBRARY_PATH first', async () => {
    const early = join(root, 'early');
    sharedLib(early, 'foo', 'foo.c');
    const deps = await resolveElfDeps(exe, { root, ldLibraryPath: ['/early'] });
    const foo = deps.libraries.find((l) => l.name === 'libfoo.so')!;
    expect(foo).toMatchObject({
      imagePath: '/early/libfoo.so',
      via: 'ld_library_path',
    });
    rmSync(early, { recursive: true });
  });

  it('says where it looked inside the root when a library is missing', async () => {
    const bare = join(dir, 'bare-root');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    copyFileSync(exe, join(bare, 'bin/app'));
    const err = await resolveElfDeps(join(bare, 'bin/app'), {
      root: bare,
    }).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('ELF_LIBRARY_MISSING');
    expect((err as UserError).message).toContain('/lib64/ld-linux-x86-64.so.2');
    expect((err as UserError).message).toContain(`inside ${bare}`);
  });
});
