// A state file that does not parse breaks only its own instance or image:
// list shows it as broken, naming the file; delete still removes it.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createInstanceDir,
  instanceFiles,
} from '../../../src/state/instances.js';
import { runCli } from '../../helpers/cli-run.js';
import { removeHome, testHome, type TestHome } from './fixture.js';
import { instanceRecord } from '../../fixtures/instance-record.js';

let home: TestHome;
beforeEach(async () => {
  home = await testHome();
  await createInstanceDir(
    home.paths,
    instanceRecord('h1'),
    async () => undefined,
  );
  await createInstanceDir(
    home.paths,
    instanceRecord('h2'),
    async () => undefined,
  );
  await writeFile(instanceFiles(home.paths, 'h1').record, '{bad');
});
afterEach(() => removeHome(home));

const cli = (argv: string[]) => runCli(argv, { env: envOf(home) });

function envOf(h: TestHome): Record<string, string> {
  // The fixture's paths are <dir>/{data,state,cache}, SKIFF_HOME's layout.
  return { SKIFF_HOME: h.dir };
}

describe('a broken instance.json', () => {
  it('is listed as broken while the others still show', async () => {
    const infos = await home.provider.listInstances();
    expect(infos.map((i) => [i.name, i.state])).toEqual([
      ['h1', 'unknown'],
      ['h2', 'stopped'],
    ]);
    const file = instanceFiles(home.paths, 'h1').record;
    expect(infos[0]!.details?.error).toContain(`${file} is not valid JSON`);
    expect(home.logger.lines).toContainEqual({
      level: 'warn',
      message: expect.stringContaining('skiff instance delete h1'),
    });
  });

  it('names the file for a command on that instance', async () => {
    const err = await home.provider.getInstance('h1').catch((e) => e);
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.message).toContain(instanceFiles(home.paths, 'h1').record);
    expect(err.hint).toBe('`skiff instance delete h1` removes it');
  });

  it('is removed by delete', async () => {
    await home.provider.deleteInstance('h1');
    expect(await readdir(join(home.paths.stateDir, 'instances'))).toEqual([
      'h2',
    ]);
  });

  it('shows in `skiff instance list` and goes with `instance delete`', async () => {
    const list = await cli(['instance', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/h1\s+-\s+unknown/);
    expect(list.stdout).toMatch(/h2\s+web\s+stopped/);
    expect(list.stderr).toContain('is not valid JSON');
    const del = await cli(['instance', 'delete', 'h1']);
    expect(del.code).toBe(0);
  });
});

describe('a broken image record', () => {
  it('is listed as broken and removed by image delete', async () => {
    const images = join(home.paths.dataDir, 'images');
    await mkdir(images, { recursive: true });
    await writeFile(join(images, 'web.img'), '');
    await writeFile(join(images, 'web.json'), '{bad');
    const list = await home.provider.listImages();
    expect(list.map((i) => [i.name, i.status])).toEqual([['web', 'broken']]);
    await home.provider.deleteImage('web');
    expect(await readdir(images)).toEqual([]);
  });
});
