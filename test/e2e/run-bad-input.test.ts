// Bad input through the CLI: each a clear error naming the bad value, an
// exit code of 1 and no image file left behind.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const hello = join(import.meta.dirname, '../../examples/hello-c/hello.c');

let home: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;

beforeAll(async () => {
  home = await tempHome();
  env = { ...home.env, ...(kernel ? { SKIFF_NANOS_DIR: kernel } : {}) };
});
afterAll(() => home.cleanup());

async function build(args: string[], out: string) {
  const r = await runCli(['build', ...args, '-o', out], {
    env,
    cwd: home.dir,
  });
  return r;
}

/** No image and no temp file next to it. */
async function expectNothingWritten(out: string) {
  expect(existsSync(out)).toBe(false);
  const dir = join(out, '..');
  const left = existsSync(dir) ? await readdir(dir) : [];
  expect(left.filter((n) => n.includes('.img') || n.includes('.tmp'))).toEqual(
    [],
  );
}

describe('skiff build: bad input', () => {
  it('refuses a program that is not an ELF', async () => {
    const dir = join(home.dir, 'not-elf');
    await mkdir(dir);
    const script = join(dir, 'script.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    const out = join(dir, 'out.img');
    const r = await build([script], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(script);
    expect(r.stderr).toMatch(/ELF/);
    await expectNothingWritten(out);
  });

  it('reports a bad program before looking for a Nanos release', async () => {
    const dir = join(home.dir, 'not-elf-first');
    await mkdir(join(dir, 'empty-release'), { recursive: true });
    const script = join(dir, 'script.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    const out = join(dir, 'out.img');
    const r = await build(
      [script, '--nanos-dir', join(dir, 'empty-release')],
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ELF/);
    expect(r.stderr).not.toMatch(/kernel\.img|Nanos/);
    await expectNothingWritten(out);
  });

  it('names a missing shared library', async () => {
    const dir = join(home.dir, 'missing-lib');
    await mkdir(dir);
    await writeFile(join(dir, 'lib.c'), 'int skiff_answer(void){return 42;}\n');
    await writeFile(
      join(dir, 'main.c'),
      'int skiff_answer(void);\nint main(void){return skiff_answer();}\n',
    );
    execFileSync('gcc', [
      '-shared',
      '-fPIC',
      '-o',
      join(dir, 'libskiffgone.so'),
      join(dir, 'lib.c'),
    ]);
    execFileSync('gcc', [
      '-o',
      join(dir, 'prog'),
      join(dir, 'main.c'),
      `-L${dir}`,
      '-lskiffgone',
    ]);
    await rm(join(dir, 'libskiffgone.so'));
    const out = join(dir, 'out.img');
    const r = await build([join(dir, 'prog')], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('libskiffgone.so');
    await expectNothingWritten(out);
  });

  it('names a Dirs entry that does not exist', async () => {
    const dir = join(home.dir, 'missing-dir');
    await mkdir(dir);
    const program = await compileC(hello, join(dir, 'hello'));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ Dirs: ['static-nope'] }),
    );
    const out = join(dir, 'out.img');
    const r = await build([program, '-c', join(dir, 'config.json')], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('static-nope');
    await expectNothingWritten(out);
  });

  it('points at the broken spot of a malformed config', async () => {
    const dir = join(home.dir, 'bad-json');
    await mkdir(dir);
    const program = await compileC(hello, join(dir, 'hello'));
    await writeFile(join(dir, 'config.json'), '{\n  "Args": [\n}\n');
    const out = join(dir, 'out.img');
    const r = await build([program, '-c', join(dir, 'config.json')], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.json:\d+:\d+: invalid JSON/);
    await expectNothingWritten(out);
  });

  it('rejects an unknown config key and names it', async () => {
    const dir = join(home.dir, 'bad-key');
    await mkdir(dir);
    const program = await compileC(hello, join(dir, 'hello'));
    await writeFile(join(dir, 'config.json'), '{ "Argz": ["x"] }');
    const out = join(dir, 'out.img');
    const r = await build([program, '-c', join(dir, 'config.json')], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Argz');
    await expectNothingWritten(out);
  });
});

/** Mounts a small tmpfs (root only); undefined when that is not allowed. */
function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!kernel)('skiff build: output it cannot write', () => {
  it('reports a full disk and leaves no partial file', async (t) => {
    const dir = join(home.dir, 'full');
    await mkdir(dir);
    if (!tryMount(dir, 'size=256k')) {
      t.skip('cannot mount a tmpfs here (needs root)');
      return;
    }
    try {
      const program = await compileC(hello, join(home.dir, 'hello-full'));
      const out = join(dir, 'out.img');
      const r = await build([program], out);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no space|disk is full|ENOSPC/i);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('reports a read-only folder and leaves no partial file', async (t) => {
    const dir = join(home.dir, 'ro');
    await mkdir(dir);
    if (!tryMount(dir, 'size=1m,ro')) {
      t.skip('cannot mount a tmpfs here (needs root)');
      return;
    }
    try {
      const program = await compileC(hello, join(home.dir, 'hello-ro'));
      const out = join(dir, 'out.img');
      const r = await build([program], out);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/read-only/i);
      expect(r.stderr).toContain(dir);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});

describe('skiff run: bad input', () => {
  it('names a host port that is taken, before building', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as { port: number }).port;
    try {
      const program = await compileC(hello, join(home.dir, 'hello-port'));
      const r = await runCli(['run', program, '-p', `${port}:8080`], {
        env,
        cwd: home.dir,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`tcp port ${port} on 0.0.0.0 is already`);
      expect(r.stderr).toContain(`-p <free>:8080`);
      // Each run builds in state/run/<pid>-<random>/: none may be left.
      const runDir = join(home.dir, 'state', 'run');
      const left = existsSync(runDir)
        ? await readdir(runDir, { recursive: true })
        : [];
      expect(left).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('refuses a --timeout that is not seconds', async () => {
    const program = await compileC(hello, join(home.dir, 'hello-timeout'));
    const r = await runCli(['run', program, '--timeout', 'soon'], {
      env,
      cwd: home.dir,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--timeout soon');
    // Past Node's longest timer it would fire at once.
    const long = await runCli(['run', program, '--timeout', '99999999999'], {
      env,
      cwd: home.dir,
    });
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('--timeout 99999999999: too long');
  });
});
