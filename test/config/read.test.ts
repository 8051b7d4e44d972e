import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/config/read.js';
import { UserError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-config-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(text: string): Promise<UserError> {
  const path = join(dir, 'config.json');
  writeFileSync(path, text);
  const err = await readConfigFile(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('readConfigFile', () => {
  it('reads and validates a file (a BOM is fine)', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, '\uFEFF{"Args": ["a"], "RunConfig": {"CPUs": 2}}');
    expect(await readConfigFile(path)).toEqual({
      Args: ['a'],
      RunConfig: { CPUs: 2 },
    });
  });

  it('gives line and column of a JSON syntax error', async () => {
    const err = await failure('{\n  "Args": ["a"],\n}\n');
    expect(err.code).toBe('CONFIG_SYNTAX');
    expect(err.message).toBe(
      `${join(dir, 'config.json')}:2:16: invalid JSON: a trailing comma`,
    );
    expect(err.hint).toContain('trailing commas');
    const err2 = await failure('{"Args" ["a"]}');
    expect(err2.message).toContain(
      'config.json:1:9: invalid JSON: expected ":"',
    );
  });

  it.each([
    [
      '{\n  "Args": ["a", "b",],\n  "Env": {}\n}',
      '2:20: invalid JSON: a trailing comma',
    ],
    ['{\n  "Args": ["a" "b"]\n}', '2:16: invalid JSON: expected ","'],
    ['{\n  // note\n  "Args": []\n}', '2:3: invalid JSON: a comment'],
    ['{"Args": ["a}\n', '1:11: invalid JSON: a string that is never closed'],
    ['', '1:1: invalid JSON: expected a value'],
  ])('points at the first error in %j', async (text, where) => {
    const err = await failure(text);
    expect(err.message).toContain(`config.json:${where}`);
  });

  it('reports schema problems with the file name', async () => {
    const err = await failure('{"Argz": []}');
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(
      `${join(dir, 'config.json')}: Argz: unknown key. Did you mean Args?`,
    );
  });

  it('names a missing file and the flag to fix', async () => {
    const path = join(dir, 'nope.json');
    const err = (await readConfigFile(path).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain(path);
    expect(err.hint).toContain('-c/--config');
  });

  it('names a folder given as the config', async () => {
    const err = (await readConfigFile(dir).catch(
      (e: unknown) => e,
    )) as UserError;
    expect(err).toBeInstanceOf(UserError);
    expect(err.code).toBe('IS_A_FOLDER');
    expect(err.message).toBe(
      `reading the config: ${dir} is a folder, not a file`,
    );
    expect(err.hint).toBe('check the -c/--config path');
  });
});

describe('an ops-style config.json', () => {
  it('is accepted as written', async () => {
    const here = new URL('../fixtures/config/ops-style.json', import.meta.url);
    const raw = await readConfigFile(here.pathname);
    expect(raw.Args).toEqual(['server.js', '--port', '8080']);
    expect(raw.RunConfig).toEqual({ Ports: ['8080'], Memory: '1G', CPUs: 2 });
    expect(raw.CloudConfig!.Tags).toEqual([{ key: 'app', value: 'web' }]);
  });
});
