// The pkg commands as a user runs them: exit codes, stdout results,
// JSON documents and error hints.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { compileHello, helloImage } from '../fixtures/oci/images.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;
let elf: Buffer | undefined;

beforeAll(async () => {
  home = await tempHome();
  env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
  elf = await compileHello(home.dir, 'gcc', ['-static']);
  if (elf) {
    await writeOciLayout(join(home.dir, 'layout'), 'v2', [
      helloImage(elf, { Entrypoint: ['hello'], Env: ['A=1'] }),
    ]);
    await writeOciLayout(join(home.dir, 'cmd'), 'v1', [
      helloImage(elf, { Entrypoint: ['hello', '-q'], Cmd: ['-a', 'b'] }),
    ]);
  }
});
afterAll(() => home.cleanup());

const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });

describe('skiff pkg', () => {
  it('from-docker, list, describe, contents, delete', async (t) => {
    if (!elf) return t.skip();
    const made = await cli('pkg', 'from-docker', 'oci:layout:v2', '-n', 'hi');
    expect(made.code).toBe(0);
    expect(made.stdout.trim()).toBe(
      join(home.dir, 'data/packages/amd64/hi_v2'),
    );

    const table = await cli('pkg', 'list', '--local');
    expect(table.stdout).toMatch(
      /^NAME\s+VERSION\s+LANGUAGE\s+PROGRAM\s+SIZE\n/,
    );
    expect(table.stdout).toMatch(/hi\s+v2\s+\/usr\/local\/bin\/hello/);

    const json = JSON.parse((await cli('pkg', 'list', '--json')).stdout);
    expect(json).toMatchObject([
      {
        name: 'hi',
        version: 'v2',
        arch: 'amd64',
        program: '/usr/local/bin/hello',
      },
    ]);
    expect(json[0].sizeBytes - elf!.length).toBeGreaterThan(0);
    expect(json[0].sizeBytes - elf!.length).toBeLessThan(1000);

    const described = await cli('pkg', 'describe', 'hi');
    expect(described.stdout).toContain('program:      /usr/local/bin/hello');
    expect(described.stdout).toContain('env:          A=1');
    expect(described.stdout).toContain('default args: (none)');

    const contents = await cli('pkg', 'contents', 'hi:v2');
    expect(contents.stdout.trimEnd().split('\n')).toEqual([
      'package.manifest',
      'sysroot/',
      'sysroot/usr/',
      'sysroot/usr/local/',
      'sysroot/usr/local/bin/',
      'sysroot/usr/local/bin/hello',
    ]);

    expect((await cli('pkg', 'delete', 'hi')).stdout).toBe('deleted hi:v2\n');
    expect(JSON.parse((await cli('pkg', 'list', '--json')).stdout)).toEqual([]);
  });

  it("shows the image's CMD arguments, the defaults pkg load uses", async (t) => {
    if (!elf) return t.skip();
    const made = await cli('pkg', 'from-docker', 'oci:cmd:v1', '--json');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({
      name: 'cmd',
      manifest: { Args: ['hello', '-q'] },
      defaultArgs: ['-a', 'b'],
    });

    const text = await cli('pkg', 'describe', 'cmd');
    expect(text.stdout).toContain('args:         ["hello","-q"]\n');
    expect(text.stdout).toContain(
      'default args: ["-a","b"] (when your config gives no Args)\n',
    );
    const json = await cli('pkg', 'describe', 'cmd', '--json');
    expect(JSON.parse(json.stdout).defaultArgs).toEqual(['-a', 'b']);
    await cli('pkg', 'delete', 'cmd');
  });

  it('names an unknown package and how to find one', async () => {
    const r = await cli('pkg', 'describe', 'nothing-here');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no local package nothing-here');
    expect(r.stderr).toContain('hint: see `skiff pkg list --local`');
  });

  it('rejects a bad image reference before any network', async () => {
    const r = await cli('pkg', 'from-docker', 'Bad:Ref:x', '-n', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid image reference "Bad:Ref:x"');
  });

  it('names a docker-archive that is not a tar, with the fix', async () => {
    const file = join(home.dir, 'passwd');
    await writeFile(file, 'root:x:0:0:root:/root:/bin/bash\n');
    const r = await cli('pkg', 'from-docker', `docker-archive:${file}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file} is not a docker archive`);
    expect(r.stderr).toContain('hint: make one with `docker save IMAGE');
    const json = await cli(
      'pkg',
      'from-docker',
      'docker-archive:passwd',
      '--json',
    );
    expect(JSON.parse(json.stdout).error.code).toBe('ARCHIVE_INVALID');
  });

  it('rejects a bad package name', async () => {
    const r = await cli('pkg', 'from-docker', 'oci:layout:v2', '-n', '../x');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid package name "../x"');
  });

  it('treats -f as the executable, with a clear error when absent', async (t) => {
    if (!elf) return t.skip();
    const r = await cli('pkg', 'from-docker', 'oci:layout:v2', '-f', 'php');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('executable "php" not found in the image');
  });
});
