// Images written by other tools, not Skiff's own writer: an OCI layout
// built with umoci (a file deleted in the second layer, so a whiteout),
// pushed to docker-registry by skopeo and saved by skopeo as a
// docker-archive. All three give the same package.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPackageEntries } from '../../src/pkg/contents.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { compileHello } from '../fixtures/oci/images.js';

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.log(`skipped: ${tool} is not installed`);
    return false;
  }
}

const tools = has('umoci') && has('skopeo');

async function fingerprint(dir: string): Promise<string[]> {
  return (await listPackageEntries(dir))
    .filter((e) => e.path !== 'package.manifest')
    .map((e) => {
      if (e.type === 'symlink') return `${e.path} -> ${e.target}`;
      if (e.type === 'dir') return `${e.path}/`;
      const bytes = readFileSync(join(dir, e.path));
      return `${e.path} ${createHash('sha256').update(bytes).digest('hex')}`;
    });
}

describe.skipIf(!tools)('from-docker: images made by umoci and skopeo', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let registry: TestRegistry | undefined;
  let env: Record<string, string>;
  let elf: Buffer | undefined;

  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
    elf = await compileHello(home.dir, 'gcc', ['-static']);
    if (!elf) return;
    const umoci = (...args: string[]) =>
      execFileSync('umoci', args, { cwd: home.dir, stdio: 'pipe' });
    umoci('init', '--layout', 'lay');
    umoci('new', '--image', 'lay:base');
    umoci('unpack', '--image', 'lay:base', 'bundle');
    const rootfs = join(home.dir, 'bundle', 'rootfs');
    mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
    mkdirSync(join(rootfs, 'etc/app'), { recursive: true });
    writeFileSync(join(rootfs, 'usr/local/bin/hello'), elf, { mode: 0o755 });
    writeFileSync(join(rootfs, 'etc/app/keep.conf'), 'keep\n');
    writeFileSync(join(rootfs, 'etc/app/gone.conf'), 'gone\n');
    umoci('repack', '--image', 'lay:one', 'bundle');
    rmSync(join(rootfs, 'etc/app/gone.conf'));
    copyFileSync(
      join(rootfs, 'etc/app/keep.conf'),
      join(rootfs, 'etc/app/new.conf'),
    );
    umoci('repack', '--image', 'lay:v2', 'bundle');
    umoci(
      'config',
      '--image',
      'lay:v2',
      '--config.entrypoint',
      '/usr/local/bin/hello',
      '--config.cmd',
      'world',
    );
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      `oci:${join(home.dir, 'lay')}:v2`,
      `docker-archive:${join(home.dir, 'saved.tar')}:tools/hello:v2`,
    ]);
    registry = await startRegistry();
    if (registry) {
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        `oci:${join(home.dir, 'lay')}:v2`,
        `docker://${registry.host}/tools/hello:v2`,
      ]);
    }
  });
  afterAll(async () => {
    await registry?.stop();
    await home.cleanup();
  });

  it('gives the same package from the layout, the archive and the registry', async (t) => {
    if (!elf) return t.skip();
    const sources = [
      `oci:${join(home.dir, 'lay')}:v2`,
      `docker-archive:${join(home.dir, 'saved.tar')}`,
      ...(registry ? [`${registry.host}/tools/hello:v2`] : []),
    ];
    const prints: string[][] = [];
    for (const [i, source] of sources.entries()) {
      const r = await runCli(
        [
          'pkg',
          'from-docker',
          source,
          '-n',
          `p${i}:v2`,
          '--add-file',
          '/etc/app',
          '--insecure-registry',
        ],
        { env, cwd: home.dir },
      );
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
      const dir = r.stdout.trim();
      const manifest = JSON.parse(
        readFileSync(join(dir, 'package.manifest'), 'utf8'),
      );
      expect(manifest.Args).toEqual(['/usr/local/bin/hello']);
      const defaults = readFileSync(join(dir, 'default-args.json'), 'utf8');
      expect(JSON.parse(defaults)).toEqual(['world']);
      prints.push(await fingerprint(dir));
    }
    expect(prints[0]).toContain(
      'sysroot/etc/app/keep.conf ' +
        createHash('sha256').update('keep\n').digest('hex'),
    );
    expect(prints[0]!.some((p) => p.includes('gone.conf'))).toBe(false);
    expect(prints[0]!.some((p) => p.includes('new.conf'))).toBe(true);
    expect(prints).toHaveLength(registry ? 3 : 2);
    for (const p of prints.slice(1)) expect(p).toEqual(prints[0]);
  });
});
