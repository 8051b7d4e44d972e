// The local walkthrough through the CLI: image create -> image list ->
// instance create -> instance list -> instance logs -> instance delete ->
// image delete, leaving no process and no state behind.
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { compileC } from '../helpers/cli-run.js';
import { deadPid, tempNameOf } from '../fixtures/oci/dead-pid.js';
import { useInstanceHome } from '../helpers/instance-home.js';
import { findKernelForTests } from '../helpers/kernel.js';
import {
  recordedProcesses,
  stillAlive,
  waitFor,
} from '../providers/qemu/fixture.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../examples/hello-c');

describe.skipIf(!kernel)('skiff image + instance walkthrough', () => {
  const h = useInstanceHome(kernel, async (dir) => {
    await compileC(join(example, 'hello.c'), join(dir, 'hello'));
    await copyFile(join(example, 'config.json'), join(dir, 'config.json'));
  });
  const { cli } = h;

  it('builds, runs, shows, logs and removes an instance', async () => {
    const paths = resolvePaths(h.env);
    // What a create killed with -9 leaves: swept by the next create.
    const leftover = join(paths.dataDir, 'tmp', tempNameOf('build', deadPid()));
    await mkdir(leftover, { recursive: true });
    await writeFile(join(leftover, 'disk.img'), 'half an image');
    const made = await cli(
      'image',
      'create',
      './hello',
      '-c',
      'config.json',
      '--imagename',
      'sf_console',
      '--json',
    );
    expect(made.stderr).not.toContain('error');
    expect(made.code).toBe(0);
    expect(await readdir(join(paths.dataDir, 'tmp'))).toEqual([]);
    expect(JSON.parse(made.stdout)).toMatchObject({
      name: 'sf_console',
      target: 'qemu',
      status: 'ready',
    });

    const images = await cli('image', 'list', '--json');
    expect(
      JSON.parse(images.stdout).map((i: { name: string }) => i.name),
    ).toEqual(['sf_console']);
    const table = await cli('image', 'list');
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+SIZE/);
    expect(table.stdout).toContain('sf_console');

    const created = await cli(
      'instance',
      'create',
      '--instance-name',
      'sf',
      'sf_console',
      '--accel',
      'tcg',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'sf',
      image: 'sf_console',
    });

    const listed = await cli('instance', 'list', '--json');
    const sf = JSON.parse(listed.stdout).find(
      (i: { name: string }) => i.name === 'sf',
    );
    expect(sf).toMatchObject({ image: 'sf_console', target: 'qemu' });
    expect(['running', 'stopped']).toContain(sf.state);

    // hello exits by itself: the list then shows its exit code.
    const ended = await waitFor(
      async () => {
        const r = await cli('instance', 'list', '--json');
        const i = JSON.parse(r.stdout)[0];
        return i.state === 'stopped' && i.exitCode !== undefined && i;
      },
      30_000,
      'sf to exit',
    );
    expect(ended.exitCode).toBe(0);
    const human = await cli('instance', 'list');
    expect(human.stdout).toMatch(/^NAME\s+IMAGE\s+STATE\s+PORTS\s+PID/);
    expect(human.stdout).toMatch(/sf\s+sf_console\s+stopped/);

    const logs = await cli('instance', 'logs', 'sf');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('hello from skiff\n');
    expect(logs.stdout).toContain('arg 1: one\n');
    expect(logs.stdout).toContain('GREETING=ahoy\n');
    const followed = await cli('instance', 'logs', 'sf', '-w');
    expect(followed.stdout).toContain('hello from skiff\n');
    const whole = await cli('instance', 'logs', 'sf', '--json');
    expect(JSON.parse(whole.stdout).text).toBe(logs.stdout);
    const events = (await cli('instance', 'logs', 'sf', '-w', '--json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; text: string });
    expect(events.every((e) => e.name === 'sf')).toBe(true);
    expect(events.map((e) => e.text).join('')).toBe(logs.stdout);

    const ids = await recordedProcesses(paths);
    expect(ids).toHaveLength(2);
    expect((await cli('instance', 'delete', 'sf')).code).toBe(0);
    expect(
      JSON.parse((await cli('instance', 'list', '--json')).stdout),
    ).toEqual([]);
    expect((await cli('image', 'delete', 'sf_console')).code).toBe(0);
    expect(JSON.parse((await cli('image', 'list', '--json')).stdout)).toEqual(
      [],
    );

    expect(await stillAlive(ids)).toEqual([]);
    expect(await readdir(join(paths.stateDir, 'instances'))).toEqual([]);
    expect(await readdir(join(paths.dataDir, 'images'))).toEqual([]);
  });

  it('unknown names are errors that list what exists', async () => {
    const r = await cli('instance', 'logs', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no local instance named "nope"');
    const j = await cli('instance', 'create', 'ghost', '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error.code).toBe('IMAGE_NOT_FOUND');
  });
});
