// Which target a command builds for: `build` honours CloudConfig.Platform
// like image create (-t wins, "onprem" is qemu); `run` and `pkg load` boot
// locally and refuse a cloud -t.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, runCli, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const helloC = join(import.meta.dirname, '../../examples/hello-c/hello.c');
let home: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;

beforeAll(async () => {
  home = await tempHome();
  env = { ...home.env, SKIFF_NANOS_DIR: kernel ?? home.dir };
  await compileC(helloC, join(home.dir, 'hello'));
  await writeFile(
    join(home.dir, 'gcp.json'),
    JSON.stringify({ CloudConfig: { Platform: 'gcp' } }),
  );
});
afterAll(() => home.cleanup());

const cli = (...argv: string[]) => runCli(argv, { cwd: home.dir, env });

/** True when the file starts like a gzip stream. */
async function isGzip(path: string): Promise<boolean> {
  const head = (await readFile(path)).subarray(0, 2);
  return head[0] === 0x1f && head[1] === 0x8b;
}

describe.skipIf(!kernel)('skiff build and the target', () => {
  it('writes GCP tar.gz when the config says Platform gcp', async () => {
    const r = await cli('build', './hello', '-c', 'gcp.json', '-o', 'a.img');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('a.img will hold a tar.gz');
    expect(await isGzip(join(home.dir, 'a.img'))).toBe(true);
    const tar = gunzipSync(await readFile(join(home.dir, 'a.img')));
    expect(tar.subarray(0, 8).toString()).toBe('disk.raw');
  });

  it('lets -t qemu win over Platform', async () => {
    const r = await cli(
      'build',
      './hello',
      '-c',
      'gcp.json',
      '-t',
      'qemu',
      '-o',
      'b.img',
    );
    expect(r.code).toBe(0);
    expect(await isGzip(join(home.dir, 'b.img'))).toBe(false);
  });

  it('treats -t onprem as qemu', async () => {
    const r = await cli('build', './hello', '-t', 'onprem', '-o', 'c.img');
    expect(r.stderr).not.toContain('not supported');
    expect(r.code).toBe(0);
    expect(existsSync(join(home.dir, 'c.img'))).toBe(true);
    expect(await isGzip(join(home.dir, 'c.img'))).toBe(false);
  });
});

describe('skiff run -t', () => {
  it.each(['aws', 'gcp'])('refuses -t %s before building', async (t) => {
    const r = await cli('--json', 'run', './hello', '-t', t);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('TARGET_NOT_LOCAL');
    expect(error.message).toBe(
      `-t ${t}: run and pkg load boot locally under QEMU, never on ${t}`,
    );
    expect(error.hint).toContain(`skiff image create -t ${t}`);
    expect(existsSync(join(home.dir, 'state/run'))).toBe(false);
  });
});

describe('-t in each command help', () => {
  /** The help text of -t, joined over its lines. */
  async function targetHelp(...command: string[]): Promise<string> {
    const r = await cli(...command, '--help');
    const from = r.stdout.indexOf('-t, --target');
    const to = r.stdout.indexOf('\n  -', from + 1);
    return r.stdout.slice(from, to).replace(/\s+/g, ' ');
  }

  it('says run and pkg load take qemu only', async () => {
    for (const command of [['run'], ['pkg', 'load']]) {
      const help = await targetHelp(...command);
      expect(help).toContain('qemu only');
      expect(help).not.toContain('choices');
    }
  });

  it('says build writes qemu and gcp artifacts, not aws', async () => {
    const help = await targetHelp('build');
    expect(help).toContain('qemu (default: the raw image) or gcp');
    expect(help).not.toContain('aws');
  });

  it('names what the command takes for an unknown target', async () => {
    const r = await cli('build', './hello', '-t', 'azure');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("argument 'azure' is invalid. Use qemu or gcp.");
  });

  it('says build makes no aws artifact, and what does', async () => {
    const r = await cli('--json', 'build', './hello', '-t', 'aws');
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('TARGET_NOT_SUPPORTED');
    expect(error.message).not.toContain('not supported yet');
    expect(error.hint).toContain('skiff image create -t aws');
  });
});
