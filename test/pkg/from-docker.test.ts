import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
} from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import {
  writeDockerArchive,
  writeOciLayout,
  type PlatformImage,
} from '../../src/oci/image-writer.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { RawConfig } from '../../src/config/types.js';
import {
  packageFromDocker,
  type FromDockerOptions,
} from '../../src/pkg/from-docker.js';
import { preparePackage } from '../../src/pkg/load.js';
import { mergePackageConfig } from '../../src/pkg/merge-config.js';
import {
  compileHello,
  fakeStaticElf,
  helloImage,
  muslLoaderEntries,
} from '../fixtures/oci/images.js';

let dir: string;
let staticElf: Buffer | undefined;
let muslElf: Buffer | undefined;
let dynamicElf: Buffer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-fromdocker-'));
  await mkdir(join(dir, 'dyn'));
  staticElf = await compileHello(dir, 'gcc', ['-static']);
  muslElf = await compileHello(dir, 'musl-gcc', []);
  dynamicElf = await compileHello(join(dir, 'dyn'), 'gcc', []);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let n = 0;
async function fromImage(
  images: PlatformImage[],
  extra: Partial<FromDockerOptions> = {},
) {
  const id = `t${n++}`;
  const home = join(dir, id);
  await writeOciLayout(join(home, 'layout'), 'v1', images);
  const logger = new RecordingLogger();
  const paths = {
    cacheDir: join(home, 'cache'),
    dataDir: join(home, 'data'),
    stateDir: join(home, 'state'),
  };
  const run = () =>
    packageFromDocker({
      source: `oci:${join(home, 'layout')}:v1`,
      cwd: home,
      name: 'app',
      arch: 'amd64',
      dockerConfigPath: join(home, 'no-docker-config.json'),
      paths,
      logger,
      ...extra,
    });
  return { run, logger, store: join(paths.dataDir, 'packages', 'amd64') };
}

function storeEntries(store: string): string[] {
  return existsSync(store) ? readdirSync(store) : [];
}

describe('packageFromDocker', () => {
  it('packages a static binary alone, at its own path', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage([
      helloImage(staticElf, { Cmd: ['hello', 'world'] }),
    ]);
    const r = await run();
    expect(r.manifest.Program).toBe('/usr/local/bin/hello');
    expect(r.manifest.Args).toEqual(['hello']);
    expect(r.defaultArgs).toEqual(['world']);
    expect(r.manifest.Version).toBe('v1');
    expect(r.libraries).toBe(0);
    const sysroot = join(r.pkg.dir, 'sysroot');
    expect(readdirSync(sysroot)).toEqual(['usr']);
    expect(readFileSync(join(sysroot, 'usr/local/bin/hello'))).toEqual(
      staticElf,
    );
    expect(r.pkg.dir.endsWith('packages/amd64/app_v1')).toBe(true);
  });

  it('brings the musl loader through its absolute symlink', async (t) => {
    const loader = muslLoaderEntries();
    if (!muslElf || !loader) return t.skip();
    const { run } = await fromImage([
      helloImage(muslElf, { Entrypoint: ['/usr/local/bin/hello'] }, loader),
    ]);
    const r = await run();
    const sysroot = join(r.pkg.dir, 'sysroot');
    const link = join(sysroot, 'lib/ld-musl-x86_64.so.1');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(
      loader[0]!.type === 'symlink' ? loader[0]!.target : '',
    );
    const real = loader[1]!.type === 'file' ? loader[1]!.path : '';
    expect(lstatSync(join(sysroot, real)).isFile()).toBe(true);
    expect(existsSync(join(sysroot, 'lib64'))).toBe(false);
  });

  it('with -f, leaves the image command arguments out', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage(
      [helloImage(staticElf, { Cmd: ['hello', '-a'] })],
      { executable: 'hello', extraArgs: ['--extra'] },
    );
    const r = await run();
    expect(r.manifest.Args).toEqual(['hello', '--extra']);
    expect(r.defaultArgs).toEqual([]);
    expect(existsSync(join(r.pkg.dir, 'default-args.json'))).toBe(false);
  });

  it('keeps CMD arguments as defaults, apart from the Args', async (t) => {
    if (!staticElf) return t.skip();
    // The official php images: a script ENTRYPOINT, CMD ["php", "-a"].
    const script = '#!/bin/sh\nexec "$@"\n';
    const { run } = await fromImage([
      helloImage(
        staticElf,
        { Entrypoint: ['docker-entrypoint'], Cmd: ['hello', '-a'] },
        [
          {
            type: 'file',
            path: 'usr/local/bin/docker-entrypoint',
            data: script,
            mode: 0o755,
          },
        ],
      ),
    ]);
    const r = await run();
    expect(r.manifest.Args).toEqual(['hello']);
    const defaults = join(r.pkg.dir, 'default-args.json');
    expect(JSON.parse(readFileSync(defaults, 'utf8'))).toEqual(['-a']);
  });

  it('keeps ENTRYPOINT arguments and takes CMD as defaults', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage([
      helloImage(staticElf, {
        Entrypoint: ['hello', '--serve'],
        Cmd: ['--port', '80'],
      }),
    ]);
    const r = await run();
    expect(r.manifest.Args).toEqual(['hello', '--serve']);
    expect(r.defaultArgs).toEqual(['--port', '80']);
  });

  it('uses ENTRYPOINT alone, with its arguments', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage([
      helloImage(staticElf, {
        Entrypoint: ['/usr/local/bin/hello', '--serve'],
      }),
    ]);
    const r = await run();
    expect(r.manifest.Args).toEqual(['/usr/local/bin/hello', '--serve']);
  });

  it('keeps argv[0] as the image wrote it and loads through its link', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage([
      helloImage(staticElf, { Cmd: ['hl2', 'world'] }, [
        { type: 'symlink', path: 'usr/bin/hl2', target: 'hl1' },
        { type: 'symlink', path: 'usr/bin/hl1', target: '../local/bin/hello' },
      ]),
    ]);
    const r = await run();
    expect(r.manifest.Program).toBe('/usr/local/bin/hello');
    expect(r.manifest.Args).toEqual(['hl2']);
    const ready = await preparePackage(r.pkg);
    expect(ready.manifest.Program).toBe('/usr/bin/hl2');
    const cases: [RawConfig, string[]][] = [
      [{}, ['hl2', 'world']],
      [{ Args: ['x'] }, ['hl2', 'x']],
    ];
    for (const [user, argv] of cases) {
      const merged = mergePackageConfig(ready.manifest, user, r.pkg.dir);
      const config = await resolveConfig(merged.config, {
        baseDir: dir,
        cwd: dir,
        packageRoot: ready.sysroot,
      });
      expect(config.args).toEqual(argv);
      expect(config.programHostPath).toBe(
        join(ready.sysroot, 'usr/local/bin/hello'),
      );
    }
  });

  it('carries ENV and WORKDIR into the manifest', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage([
      helloImage(staticElf, {
        Cmd: ['hello'],
        Env: ['PATH=/usr/local/bin:/usr/bin', 'MODE=prod', 'EMPTY='],
        WorkingDir: '/srv/app',
      }),
    ]);
    const r = await run();
    expect(r.manifest.Env).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      MODE: 'prod',
      EMPTY: '',
      PWD: '/srv/app',
    });
    expect(r.manifest.ManifestPassthrough).toEqual({ cwd: '/srv/app' });
    expect(lstatSync(join(r.pkg.dir, 'sysroot/srv/app')).isDirectory()).toBe(
      true,
    );
  });

  it('refuses a shell-form command and leaves no package', async (t) => {
    if (!staticElf) return t.skip();
    const { run, store } = await fromImage([
      helloImage(staticElf, { Cmd: ['/bin/sh', '-c', 'hello --x'] }),
    ]);
    await expect(run()).rejects.toMatchObject({
      code: 'PROGRAM_SHELL_FORM',
      hint: expect.stringContaining('-f'),
    });
    expect(storeEntries(store)).toEqual([]);
  });

  it('refuses the shell form of a custom SHELL', async (t) => {
    if (!staticElf) return t.skip();
    const { run, store } = await fromImage([
      helloImage(staticElf, {
        Cmd: ['/bin/bash', '-o', 'pipefail', '-c', 'hello | tee log'],
      }),
    ]);
    await expect(run()).rejects.toMatchObject({
      code: 'PROGRAM_SHELL_FORM',
      message: expect.stringContaining('(hello | tee log)'),
    });
    expect(storeEntries(store)).toEqual([]);
  });

  it('refuses a script entrypoint when CMD is no ELF either', async (t) => {
    if (!staticElf) return t.skip();
    const { run } = await fromImage([
      helloImage(staticElf, { Entrypoint: ['sh'], Cmd: ['--version'] }),
    ]);
    await expect(run()).rejects.toMatchObject({
      code: 'PROGRAM_NOT_ELF',
      message: expect.stringContaining('"sh" (/bin/sh) is a script'),
    });
  });

  it('names the flags that help when the image lacks a library', async (t) => {
    if (!dynamicElf) return t.skip();
    // A glibc program with neither its loader nor libc in the image.
    const img = helloImage(dynamicElf, { Cmd: ['hello'] });
    const { run, store } = await fromImage([img]);
    const err = await run().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ELF_LIBRARY_MISSING',
      message: expect.stringContaining('in the image'),
      hint: expect.stringContaining('--copy'),
    });
    expect((err as Error).message).not.toContain(store);
    expect((err as { hint: string }).hint).not.toContain('TargetRoot');

    const copied = await fromImage([img], { copyAll: true });
    const r = await copied.run();
    expect(existsSync(join(r.pkg.dir, 'sysroot/bin/sh'))).toBe(true);
    expect(
      copied.logger.lines.some(
        (l) => l.level === 'warn' && l.message.includes('LD_LIBRARY_PATH'),
      ),
    ).toBe(true);
  });

  it('writes image paths, not its temp folder, in warnings', async (t) => {
    if (!staticElf || !dynamicElf) return t.skip();
    // A PHP module whose libraries (glibc) the image lacks is left out.
    const ext = 'usr/local/lib/php/extensions/no-debug-non-zts-20220829';
    const img: PlatformImage = {
      architecture: 'amd64',
      layers: [
        [
          {
            type: 'file',
            path: 'usr/local/bin/php',
            data: staticElf,
            mode: 0o755,
          },
          { type: 'file', path: `${ext}/broken.so`, data: dynamicElf },
        ],
      ],
      config: { Entrypoint: ['php'] },
    };
    const { run, logger, store } = await fromImage([img]);
    await run();
    const warnings = logger.lines
      .filter((l) => l.level === 'warn')
      .map((l) => l.message);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^leaving out /${ext}/broken\\.so: .* \\(in the image\\)`),
      ),
    ]);
    const all = logger.lines.map((l) => l.message).join('\n');
    expect(all).not.toContain(store);
    expect(all).not.toContain('.tmp-');
  });

  it('comments out the ini line loading a PHP module left out', async (t) => {
    if (!staticElf || !dynamicElf) return t.skip();
    const ext = 'usr/local/lib/php/extensions/no-debug-non-zts-20220829';
    const conf = 'usr/local/etc/php/conf.d';
    const img: PlatformImage = {
      architecture: 'amd64',
      layers: [
        [
          {
            type: 'file',
            path: 'usr/local/bin/php',
            data: staticElf,
            mode: 0o755,
          },
          { type: 'file', path: `${ext}/broken.so`, data: dynamicElf },
          {
            type: 'file',
            path: `${conf}/docker-php-ext-broken.ini`,
            data: 'extension=broken\nbroken.setting=1\n',
          },
          { type: 'file', path: `${conf}/other.ini`, data: 'extension=zip\n' },
        ],
      ],
      config: { Entrypoint: ['php'] },
    };
    const { run, logger } = await fromImage([img]);
    const { pkg } = await run();
    const sysroot = join(pkg.dir, 'sysroot');
    expect(
      readFileSync(join(sysroot, conf, 'docker-php-ext-broken.ini'), 'utf8'),
    ).toBe(
      '; left out by skiff, its libraries are missing: extension=broken\n' +
        'broken.setting=1\n',
    );
    expect(readFileSync(join(sysroot, conf, 'other.ini'), 'utf8')).toBe(
      'extension=zip\n',
    );
    expect(existsSync(join(sysroot, ext, 'broken.so'))).toBe(false);
    expect(logger.lines.map((l) => l.message)).toContain(
      `/${conf}/docker-php-ext-broken.ini: commented out the line loading a ` +
        'module left out',
    );
  });

  it('names a missing -f executable and the PATH it searched', async (t) => {
    if (!staticElf) return t.skip();
    const { run, store } = await fromImage([helloImage(staticElf, {})], {
      executable: 'nope',
    });
    await expect(run()).rejects.toMatchObject({
      code: 'PROGRAM_NOT_FOUND',
      message: expect.stringContaining('"nope"'),
    });
    expect(storeEntries(store)).toEqual([]);
  });

  it('copies the whole root with --copy and extra paths with --add-file', async (t) => {
    if (!staticElf) return t.skip();
    const img = helloImage(staticElf, { Cmd: ['hello'] }, [
      { type: 'file', path: 'etc/app/extra.conf', data: 'x=1\n' },
      { type: 'file', path: 'etc/other', data: 'o\n' },
    ]);
    const copied = await (await fromImage([img], { copyAll: true })).run();
    expect(existsSync(join(copied.pkg.dir, 'sysroot/bin/sh'))).toBe(true);
    expect(existsSync(join(copied.pkg.dir, 'sysroot/etc/other'))).toBe(true);
    const added = await (
      await fromImage([img], { addFiles: ['/etc/app'] })
    ).run();
    expect(
      readFileSync(join(added.pkg.dir, 'sysroot/etc/app/extra.conf'), 'utf8'),
    ).toBe('x=1\n');
    expect(existsSync(join(added.pkg.dir, 'sysroot/etc/other'))).toBe(false);
    expect(existsSync(join(added.pkg.dir, 'sysroot/bin/sh'))).toBe(false);
  });

  it('brings the files of folders linked from an --add-file tree', async (t) => {
    if (!staticElf) return t.skip();
    const img = helloImage(staticElf, { Cmd: ['hello'] }, [
      { type: 'file', path: 'opt/app/main.conf', data: 'main\n' },
      { type: 'symlink', path: 'opt/app/data', target: '/srv/data' },
      { type: 'symlink', path: 'opt/app/shared', target: '../shared' },
      { type: 'file', path: 'srv/data/a.txt', data: 'a\n' },
      { type: 'file', path: 'srv/data/deep/b.txt', data: 'b\n' },
      { type: 'file', path: 'opt/shared/c.txt', data: 'c\n' },
      // A link back up must not loop.
      { type: 'symlink', path: 'srv/data/deep/up', target: '../..' },
    ]);
    const r = await (await fromImage([img], { addFiles: ['/opt/app'] })).run();
    const sysroot = join(r.pkg.dir, 'sysroot');
    expect(readlinkSync(join(sysroot, 'opt/app/data'))).toBe('/srv/data');
    expect(readFileSync(join(sysroot, 'srv/data/a.txt'), 'utf8')).toBe('a\n');
    expect(readFileSync(join(sysroot, 'srv/data/deep/b.txt'), 'utf8')).toBe(
      'b\n',
    );
    expect(readFileSync(join(sysroot, 'opt/shared/c.txt'), 'utf8')).toBe('c\n');
  });

  it("names a package after a docker archive's only RepoTag", async (t) => {
    if (!staticElf) return t.skip();
    const home = join(dir, `archive-${n++}`);
    const tar = join(home, 'dyn.tar');
    await mkdir(home, { recursive: true });
    await writeDockerArchive(
      tar,
      'docker.io/tools/hello:dyn',
      helloImage(staticElf, { Cmd: ['hello'] }),
    );
    const r = await packageFromDocker({
      source: `docker-archive:${tar}`,
      cwd: home,
      arch: 'amd64',
      dockerConfigPath: join(home, 'none.json'),
      paths: {
        cacheDir: join(home, 'cache'),
        dataDir: join(home, 'data'),
        stateDir: join(home, 'state'),
      },
      logger: new RecordingLogger(),
    });
    expect([r.pkg.name, r.pkg.version]).toEqual(['hello', 'dyn']);
  });

  it('takes the amd64 image from a multi-platform index', async (t) => {
    if (!staticElf) return t.skip();
    const arm = helloImage(
      Buffer.from('not for this arch'),
      { Cmd: ['hello'] },
      [],
      'arm64',
    );
    arm.variant = 'v8';
    const amd = helloImage(staticElf, { Cmd: ['hello'] });
    const r = await (await fromImage([arm, amd])).run();
    expect(
      readFileSync(join(r.pkg.dir, 'sysroot/usr/local/bin/hello')),
    ).toEqual(staticElf);
  });

  it('builds an arm64 package with --arch arm64 from an index', async () => {
    const arm = helloImage(fakeStaticElf(183), { Cmd: ['hello'] }, [], 'arm64');
    arm.variant = 'v8';
    const amd = helloImage(fakeStaticElf(62), { Cmd: ['hello'] });
    const { run } = await fromImage([amd, arm], { arch: 'arm64' });
    const r = await run();
    expect(r.pkg.arch).toBe('arm64');
    expect(r.pkg.dir).toMatch(/packages\/arm64\/app_v1$/);
    const elf = readFileSync(join(r.pkg.dir, 'sysroot/usr/local/bin/hello'));
    expect(elf.readUInt16LE(18)).toBe(183);
  });

  it('refuses a program for another architecture', async () => {
    const wrong = helloImage(fakeStaticElf(183), { Cmd: ['hello'] });
    const { run, store } = await fromImage([wrong]);
    await expect(run()).rejects.toMatchObject({ code: 'ELF_WRONG_ARCH' });
    expect(storeEntries(store)).toEqual([]);
  });

  it('leaves no package and no temp folder when interrupted', async (t) => {
    if (!staticElf) return t.skip();
    // Aborted while the layers are being applied, as Ctrl-C would.
    const controller = new AbortController();
    const { run, store, logger } = await fromImage(
      [helloImage(staticElf, { Cmd: ['hello'] })],
      { signal: controller.signal },
    );
    const debug = logger.debug.bind(logger);
    logger.debug = (m: string) => {
      debug(m);
      if (m.startsWith('applying layer')) {
        controller.abort(new Error('interrupted by test'));
      }
    };
    await expect(run()).rejects.toMatchObject({
      code: 'ABORTED',
      message: expect.stringContaining('applying layer 1/1'),
      cause: expect.objectContaining({ message: 'interrupted by test' }),
    });
    expect(storeEntries(store)).toEqual([]);
  });
});
