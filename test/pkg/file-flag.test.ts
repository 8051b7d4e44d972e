// --file PATH (repeatable), as the issue names it, copies image paths the
// program opens at run time; --add-file is the same. -f stays the program.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let env: Record<string, string>;

beforeAll(async () => {
  home = await tempHome();
  env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
  const img = helloImage(fakeStaticElf(62), { Cmd: ['hello'] }, [
    { type: 'file', path: 'etc/app/app.conf', data: 'x=1\n' },
    { type: 'file', path: 'etc/ssl/openssl.cnf', data: '[x]\n' },
    { type: 'file', path: 'etc/other', data: 'o\n' },
  ]);
  await writeOciLayout(join(home.dir, 'layout'), 'v1', [img]);
});
afterAll(() => home.cleanup());

const cli = (...argv: string[]) => runCli(argv, { env, cwd: home.dir });
const sysroot = (name: string) =>
  join(home.dir, 'data/packages/amd64', `${name}_v1`, 'sysroot');

describe('pkg from-docker --file', () => {
  it('copies each path given, as --add-file does', async () => {
    const r = await cli(
      'pkg',
      'from-docker',
      'oci:layout:v1',
      '-n',
      'files',
      '--file',
      '/etc/app',
      '--add-file',
      '/etc/ssl/openssl.cnf',
    );
    expect(r.code).toBe(0);
    expect(existsSync(join(sysroot('files'), 'etc/app/app.conf'))).toBe(true);
    expect(existsSync(join(sysroot('files'), 'etc/ssl/openssl.cnf'))).toBe(
      true,
    );
    expect(existsSync(join(sysroot('files'), 'etc/other'))).toBe(false);
  });

  it("points an ops user's --file NAME at -f", async () => {
    const r = await cli('pkg', 'from-docker', 'oci:layout:v1', '--file', 'hi');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: --file hi: /hi is not in the image');
    expect(r.stderr).toContain("(ops' -f/--file), use -f hi");
  });

  it('refuses a missing path with --copy too', async () => {
    const r = await cli(
      'pkg',
      'from-docker',
      'oci:layout:v1',
      '--copy',
      '--file',
      '/etc/nothing',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--file /etc/nothing: /etc/nothing is not in');
  });
});
