// The per-run image folders: unique, and what killed runs left is swept.
import {
  mkdir,
  mkdtemp,
  readdir,
  rm,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunDir, removeRunDir } from '../../src/cli/run-dir.js';

let state: string;
beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), 'skiff-rundir-'));
});
afterEach(() => rm(state, { recursive: true, force: true }));

describe('createRunDir', () => {
  it('gives each run its own folder, removed after', async () => {
    const a = await createRunDir(state);
    const b = await createRunDir(state);
    expect(a).not.toBe(b);
    expect(basename(a)).toMatch(new RegExp(`^${process.pid}-`));
    await removeRunDir(a);
    await removeRunDir(b);
    expect(await readdir(join(state, 'run'))).toEqual([]);
  });

  it('sweeps folders of dead runs and old images, never kept ones', async () => {
    const run = join(state, 'run');
    await mkdir(join(run, '999999-dead'), { recursive: true });
    await mkdir(join(run, 'kept-999999-x'));
    await writeFile(join(run, 'hello.img'), 'old layout');
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(join(run, 'hello.img'), old, old);
    await writeFile(join(run, 'fresh.img'), 'maybe in use');
    const mine = await createRunDir(state);
    expect((await readdir(run)).sort()).toEqual(
      [basename(mine), 'fresh.img', 'kept-999999-x'].sort(),
    );
  });
});
