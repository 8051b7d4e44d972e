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
import {
  createRunDir,
  keepRunDir,
  removeRunDir,
} from '../../src/cli/run-dir.js';
import { runCli } from '../helpers/cli-run.js';

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

  it('sweeps folders of dead runs and old images, never kept images', async () => {
    const run = join(state, 'run');
    await mkdir(join(run, '999999-dead'), { recursive: true });
    await mkdir(join(run, 'kept-999999-x'));
    await writeFile(join(run, 'kept-999999-x', 'hello.img'), 'kept');
    // What an older Skiff left when a --keep-image build failed.
    await mkdir(join(run, 'kept-999999-empty'));
    await writeFile(join(run, 'hello.img'), 'old layout');
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(join(run, 'hello.img'), old, old);
    await writeFile(join(run, 'fresh.img'), 'maybe in use');
    const mine = await createRunDir(state);
    expect((await readdir(run)).sort()).toEqual(
      [basename(mine), 'fresh.img', 'kept-999999-x'].sort(),
    );
  });

  it('renames a kept run folder, which the sweep then leaves', async () => {
    const dir = await createRunDir(state);
    await writeFile(join(dir, 'app.img'), 'image');
    const kept = await keepRunDir(dir);
    expect(basename(kept)).toBe(`kept-${basename(dir)}`);
    await createRunDir(state);
    expect(await readdir(kept)).toEqual(['app.img']);
  });
});

describe('--keep-image', () => {
  it('leaves no folder when the build fails', async () => {
    await writeFile(join(state, 'notelf'), '#!/bin/sh\necho hi\n');
    const r = await runCli(['run', 'notelf', '--keep-image'], {
      cwd: state,
      env: { SKIFF_HOME: state },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error:');
    expect(await readdir(join(state, 'state', 'run'))).toEqual([]);
  });
});
