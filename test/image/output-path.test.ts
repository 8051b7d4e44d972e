// Where the image goes: an existing folder, a missing folder and a folder
// that takes no files are each a clear error, checked before the build.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { checkOutputPath } from '../../src/image/output.js';
import { silentLogger } from '../../src/log.js';
import { writeImage } from '../../src/image/write.js';
import { compileC, runCli } from '../helpers/cli-run.js';
import { walkthroughSpec } from './fixtures.js';

const hello = join(import.meta.dirname, '../../examples/hello-c/hello.c');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-out-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<SkiffError> {
  const err = await p.then(() => undefined).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SkiffError);
  return err as SkiffError;
}

describe('image output path', () => {
  it('refuses an existing folder before writing anything', async () => {
    const out = join(dir, 'outdir');
    await mkdir(out);
    const err = await failure(writeImage(walkthroughSpec(), out));
    expect(err.code).toBe('OUTPUT_IS_DIR');
    expect(err.message).toBe(
      `cannot write the image to ${out}: it is a folder`,
    );
    expect(err.hint).toContain(join(out, 'app.img'));
    expect(await readdir(dir)).toEqual(['outdir']);
  });

  it('names the folder when one appears at the path during the build', async () => {
    const out = join(dir, 'late');
    const logger = {
      ...silentLogger,
      progress: () => void mkdir(out).catch(() => undefined),
    };
    const spec = walkthroughSpec();
    spec.root.children.set('big', {
      type: 'file',
      source: { kind: 'bytes', data: Buffer.alloc(4096, 1) },
    });
    const err = await failure(writeImage(spec, out, { logger }));
    expect(err.code).toBe('OUTPUT_IS_DIR');
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('says a folder such as /proc takes no files', async () => {
    await checkOutputPath('/proc/x.img');
    const err = await failure(writeImage(walkthroughSpec(), '/proc/x.img'));
    expect(err.code).toBe('OUTPUT_NOT_WRITABLE');
    expect(err.message).toBe('cannot create files in /proc (for /proc/x.img)');
  });

  it('names a missing folder', async () => {
    const err = await failure(checkOutputPath(join(dir, 'nope', 'a.img')));
    expect(err.code).toBe('OUTPUT_DIR_MISSING');
    expect(err.message).toContain(`folder ${join(dir, 'nope')} does not`);
  });

  it('skiff build -o <folder> fails before looking for Nanos', async () => {
    await writeFile(join(dir, 'app'), '#!/bin/sh\n', { mode: 0o755 });
    await mkdir(join(dir, 'built'), { recursive: true });
    const r = await runCli(
      ['build', './app', '-o', 'built', '--nanos-dir', join(dir, 'none')],
      { cwd: dir, env: { SKIFF_HOME: join(dir, 'home') } },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('it is a folder');
    expect(r.stderr).not.toContain('EISDIR');
  });

  it('warns when the image goes inside a folder the config copies', async () => {
    const proj = join(dir, 'grow');
    await mkdir(join(proj, 'app'), { recursive: true });
    await compileC(hello, join(proj, 'hello'));
    await writeFile(join(proj, 'c.json'), '{"Dirs": ["app"]}');
    const r = await runCli(
      ['build', './hello', '-c', 'c.json', '-o', 'app/x.img'],
      {
        cwd: proj,
        env: {
          SKIFF_HOME: join(dir, 'home'),
          SKIFF_NANOS_DIR: join(dir, 'none'),
        },
      },
    );
    expect(r.stderr).toContain(
      `warning: ${join(proj, 'app/x.img')} is inside ${join(proj, 'app')}, ` +
        'which the config copies into the image',
    );
  });
});
