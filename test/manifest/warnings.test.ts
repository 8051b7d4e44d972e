// Builds that go on but deserve a warning: a shared library given as the
// program, a BaseVolumeSz smaller than what the image needs, and an empty
// Env value (Nanos cannot store one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { readElf } from '../../src/elf/parse.js';
import { writeImage } from '../../src/image/write.js';
import { RecordingLogger } from '../../src/log.js';
import { buildImageSpec } from '../../src/manifest/build.js';
import { Tuple } from '../../src/tfs/value.js';
import { fixture, gcc } from '../elf/compile.js';
import { walkthroughSpec } from '../image/fixtures.js';
import { fakeRelease } from './helpers.js';

const top = mkdtempSync(join(tmpdir(), 'skiff-warn-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const release = fakeRelease(join(top, 'nanos'));

async function warningsFor(program: string): Promise<string[]> {
  const logger = new RecordingLogger();
  const config = await resolveConfig(
    {},
    {
      baseDir: top,
      cwd: top,
      programArg: program,
    },
  );
  await buildImageSpec(config, release, { localRun: true, logger });
  return logger.lines.filter((l) => l.level === 'warn').map((l) => l.message);
}

describe('a shared library as the program', () => {
  const lib = gcc(join(top, 'libfoo.so'), [
    '-shared',
    '-fPIC',
    fixture('foo.c'),
  ]);

  it('is built with a warning', async () => {
    const warnings = await warningsFor(lib);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${lib} looks like a shared library`);
  });

  it('is told apart from PIE programs, static or not', async () => {
    const pie = gcc(join(top, 'pie'), ['-pie', '-fPIE', fixture('hello.c')]);
    const spie = gcc(join(top, 'spie'), ['-static-pie', fixture('hello.c')]);
    expect((await readElf(spie)).pie).toBe(true);
    expect(await warningsFor(pie)).toEqual([]);
    expect(await warningsFor(spie)).toEqual([]);
  });
});

describe('BaseVolumeSz below what the image needs', () => {
  it('warns and builds the size it needs', async () => {
    const logger = new RecordingLogger();
    const spec = walkthroughSpec();
    spec.minSizeBytes = 1024 * 1024;
    const r = await writeImage(spec, join(top, 'small.img'), { logger });
    expect(r.sizeBytes).toBeGreaterThan(1024 * 1024);
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /^BaseVolumeSz 1\.0 MiB is less than the image needs; it is /,
      ),
    });
  });

  it('is quiet when BaseVolumeSz is larger', async () => {
    const logger = new RecordingLogger();
    const spec = walkthroughSpec();
    spec.minSizeBytes = 64 * 1024 * 1024;
    await writeImage(spec, join(top, 'big.img'), { logger });
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('an empty Env value', () => {
  it('is left out of the environment, with a warning naming it', async () => {
    const logger = new RecordingLogger();
    const program = gcc(join(top, 'hello'), ['-static', fixture('hello.c')]);
    const config = await resolveConfig(
      { Env: { FOO: '', BAR: 'x' } },
      { baseDir: top, cwd: top, programArg: program },
    );
    const spec = await buildImageSpec(config, release, {
      localRun: true,
      logger,
    });
    const env = spec.manifest.get('environment') as Tuple;
    expect(env.get('BAR')).toBe('x');
    expect(env.has('FOO')).toBe(false);
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message:
        'Env FOO is empty: Nanos cannot store an empty value, so FOO is ' +
        'not set in the guest (give it a value or drop it)',
    });
  });
});
