// SKIFF_HOME (or an XDG folder) pointing at a file: an error naming the
// variable and the file, not a bare ENOTDIR from deep inside.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainStatePathError } from '../../src/cli/state-path-error.js';
import { runCli } from '../helpers/cli-run.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-home-'));
  file = join(dir, 'not-a-folder');
  await writeFile(file, 'x');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

type JsonError = { error: { code: string; message: string; hint: string } };

async function jsonError(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<JsonError['error']> {
  const r = await runCli(['--json', ...argv], { env });
  expect(r.code).toBe(1);
  return (JSON.parse(r.stdout) as JsonError).error;
}

describe('a file where Skiff keeps a folder', () => {
  it.each([
    ['image', 'list'],
    ['instance', 'list'],
    ['image', 'create', '/bin/true', '--imagename', 't'],
  ])('names SKIFF_HOME (%s %s)', async (...argv) => {
    const error = await jsonError(argv, { SKIFF_HOME: file });
    expect(error.code).toBe('STATE_PATH_NOT_A_FOLDER');
    expect(error.message).toBe(
      `SKIFF_HOME=${file}: ${file} is a file, not a folder`,
    );
    expect(error.hint).toContain('point SKIFF_HOME at a folder');
  });

  it('names the file above a SKIFF_HOME that cannot exist', async () => {
    const home = join(file, 'sub');
    const error = await jsonError(['image', 'list'], { SKIFF_HOME: home });
    expect(error.message).toBe(
      `SKIFF_HOME=${home} is not a usable folder: ${file} is a file`,
    );
  });

  it('names an XDG folder the same way', async () => {
    const error = await jsonError(['image', 'list'], {
      SKIFF_HOME: undefined,
      XDG_DATA_HOME: file,
    });
    expect(error.message).toContain(`XDG_DATA_HOME=${file}`);
    expect(error.hint).toContain('point XDG_DATA_HOME at a folder');
  });

  it('leaves other errors alone', () => {
    const enoent = Object.assign(new Error('gone'), {
      code: 'ENOENT',
      path: join(file, 'x'),
    });
    expect(explainStatePathError(enoent, { SKIFF_HOME: file })).toBe(enoent);
    const lockTaken = Object.assign(new Error('exists'), {
      code: 'EEXIST',
      syscall: 'open',
      path: file,
    });
    expect(explainStatePathError(lockTaken, { SKIFF_HOME: dir })).toBe(
      lockTaken,
    );
  });
});
