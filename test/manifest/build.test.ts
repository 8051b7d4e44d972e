import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyFlags } from '../../src/config/flags.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { RawConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import { RecordingLogger } from '../../src/log.js';
import { buildImageSpec } from '../../src/manifest/build.js';
import { FLAG, Tuple } from '../../src/tfs/value.js';
import { fixture, gcc, sharedLib } from '../elf/compile.js';
import { fakeRelease, flatten, nodeAt } from './helpers.js';

const top = mkdtempSync(join(tmpdir(), 'skiff-manifest-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const release = fakeRelease(join(top, 'nanos'));
const proj = join(top, 'proj');
const staticApp = gcc(join(proj, 'app'), ['-static', fixture('hello.c')]);
const dynApp = gcc(join(proj, 'dyn'), [fixture('hello.c')]);
mkdirSync(join(proj, 'static/css'), { recursive: true });
writeFileSync(join(proj, 'static/index.html'), '<p>');
writeFileSync(join(proj, 'static/css/a.css'), 'a{}');

async function spec(
  raw: RawConfig,
  opts: { localRun?: boolean; programArg?: string; flags?: object } = {},
) {
  const logger = new RecordingLogger();
  const config = await resolveConfig(applyFlags(raw, opts.flags ?? {}), {
    baseDir: proj,
    cwd: top,
    programArg: opts.programArg,
  });
  const out = await buildImageSpec(config, release, {
    localRun: opts.localRun ?? false,
    logger,
  });
  return { spec: out, logger, config };
}

describe('buildImageSpec for a static program', () => {
  it('builds exactly the program, generated /etc files and the keys', async () => {
    const { spec: s } = await spec(
      { Program: 'app', Args: ['1', '2'], Env: { A: 'x' } },
      { localRun: true },
    );
    expect([...flatten(s.root)]).toEqual([
      ['/etc', 'dir'],
      ['/etc/resolv.conf', 'bytes:nameserver 8.8.8.8\n'],
      ['/etc/passwd', 'bytes:root:x:0:0:root:/root:/bin/nobash\n'],
      ['/etc/hostname', 'bytes:skiff\n'],
      ['/app', staticApp],
    ]);
    expect([...s.manifest.keys()]).toEqual([
      'program',
      'arguments',
      'environment',
      'debug_exit',
    ]);
    expect(s.manifest.get('program')).toBe('/app');
    expect(s.manifest.get('arguments')).toEqual(['/app', '1', '2']);
    expect(s.manifest.get('environment')).toEqual(
      new Tuple([
        ['USER', 'root'],
        ['PWD', '/'],
        ['NANOS_VERSION', '0.1.54'],
        ['A', 'x'],
      ]),
    );
    expect(s.manifest.get('debug_exit')).toBe(FLAG);
    expect(s.kernel).toEqual({
      kind: 'host',
      path: release.kernelPath,
      sizeBytes: 6,
    });
    expect(s.bootImage).toMatchObject({ path: release.bootPath });
    expect(s.klibs.size).toBe(0);
    expect(s.uefiLoader).toBeUndefined();
    expect(s.minSizeBytes).toBeUndefined();
  });

  it('keeps argv[0] once and -e values with "="', async () => {
    const { spec: s } = await spec(
      { Program: 'app', Args: ['app', '-v'] },
      { flags: { env: ['A=b=c'] } },
    );
    expect(s.manifest.get('arguments')).toEqual(['app', '-v']);
    const env = s.manifest.get('environment') as Tuple;
    expect(env.get('A')).toBe('b=c');
    expect(s.manifest.has('debug_exit')).toBe(false);
  });

  it('puts Dirs relative to the config folder, run from elsewhere (ops#1028)', async () => {
    const { spec: s } = await spec({ Program: 'app', Dirs: ['static'] });
    const flat = flatten(s.root);
    expect(flat.get('/static')).toBe('dir');
    expect(flat.get('/static/index.html')).toBe(
      join(proj, 'static/index.html'),
    );
    expect(flat.get('/static/css/a.css')).toBe(join(proj, 'static/css/a.css'));
  });

  it('refuses a working folder the image does not hold', async () => {
    await expect(
      spec({ Program: 'app', Env: { PWD: '/srv' } }),
    ).rejects.toMatchObject({
      code: 'CWD_MISSING',
      message:
        'Env.PWD is /srv, which is not in the image: the program could ' +
        'not start there',
    });
    await expect(
      spec({
        Program: 'app',
        Dirs: ['static'],
        ManifestPassthrough: { cwd: '/static/index.html' },
      }),
    ).rejects.toMatchObject({
      code: 'CWD_MISSING',
      message: expect.stringContaining('which is a file in the image'),
    });
    const { spec: ok } = await spec({
      Program: 'app',
      Dirs: ['static'],
      Env: { PWD: '/static/css' },
    });
    expect(ok.manifest.get('cwd')).toBe('/static/css');
  });

  it('writes every optional key, passthrough last and winning', async () => {
    const { spec: s } = await spec(
      {
        Program: 'app',
        Env: { PWD: '/srv' },
        MapDirs: { static: '/srv' },
        Klibs: ['ntp'],
        RebootOnExit: true,
        Debugflags: ['trace', 'debugsyscalls'],
        NoTrace: ['futex'],
        Mounts: { data: '/data:ro' },
        NameServers: ['1.1.1.1', '9.9.9.9'],
        BaseVolumeSz: '64m',
        Uefi: true,
        RunConfig: { IPAddress: '10.0.2.15', Gateway: '10.0.2.2' },
        ManifestPassthrough: {
          debug_exit: false,
          expected_exit_code: [0, 3],
          idle_on_exit: '0',
          en2: { ipaddr: '10.1.0.2', mtu: 1400 },
          exec_protection: true,
          reboot_on_exit: '!0',
        },
      },
      { localRun: true },
    );
    expect([...s.manifest.keys()]).toEqual([
      'program',
      'arguments',
      'environment',
      'cwd',
      'klibs',
      'trace',
      'debugsyscalls',
      'notrace',
      'mounts',
      'ipaddr',
      'gateway',
      'expected_exit_code',
      'idle_on_exit',
      'en2',
      'exec_protection',
      'reboot_on_exit',
    ]);
    expect(s.manifest.get('cwd')).toBe('/srv');
    expect(s.manifest.get('klibs')).toBe('bootfs');
    expect(s.manifest.get('trace')).toBe('t');
    expect(s.manifest.get('notrace')).toEqual(['futex']);
    expect(s.manifest.get('mounts')).toEqual(new Tuple([['data', '/data:ro']]));
    expect(s.manifest.get('ipaddr')).toBe('10.0.2.15');
    expect(s.manifest.get('expected_exit_code')).toEqual(['0', '3']);
    expect(s.manifest.get('en2')).toEqual(
      new Tuple([
        ['ipaddr', '10.1.0.2'],
        ['mtu', '1400'],
      ]),
    );
    expect(s.manifest.get('exec_protection')).toBe('t');
    expect(s.manifest.get('reboot_on_exit')).toBe('!0');
    expect(flatten(s.root).get('/etc/resolv.conf')).toBe(
      'bytes:nameserver 1.1.1.1\nnameserver 9.9.9.9\n',
    );
    expect([...s.klibs.keys()]).toEqual(['ntp']);
    expect(s.klibs.get('ntp')).toMatchObject({
      path: join(release.dir, 'klibs/ntp'),
    });
    expect(s.uefiLoader).toMatchObject({
      name: 'bootx64.efi',
      source: { path: release.uefiLoaderPath },
    });
    expect(s.minSizeBytes).toBe(64 * 1024 * 1024);
  });

  it('maps RebootOnExit "always" to "*"', async () => {
    const { spec: s } = await spec({ Program: 'app', RebootOnExit: 'always' });
    expect(s.manifest.get('reboot_on_exit')).toBe('*');
  });

  it('lists the available klibs when one is missing', async () => {
    const err = await spec({ Program: 'app', Klibs: ['radar'] }).catch(
      (e: unknown) => e,
    );
    expect((err as UserError).code).toBe('KLIB_NOT_FOUND');
    expect((err as UserError).message).toBe(
      'klib "radar" is not in Nanos 0.1.54; available: ntp, tls',
    );
  });

  it('refuses Uefi when the release has no loader', async () => {
    const config = await resolveConfig(
      { Program: 'app', Uefi: true },
      { baseDir: proj, cwd: top },
    );
    const bare = fakeRelease(join(top, 'nanos-bare'), false);
    const err = await buildImageSpec(config, bare, {
      localRun: false,
      logger: new RecordingLogger(),
    }).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('NANOS_NO_UEFI');
  });

  it('lets the program win over a Dirs file at its path', async () => {
    const over = join(top, 'over');
    mkdirSync(over, { recursive: true });
    writeFileSync(join(over, 'app'), 'not the program');
    const { spec: s, logger } = await spec({
      Program: 'app',
      Dirs: [over],
      MapDirs: { [join(over, 'app')]: '/app' },
    });
    expect(flatten(s.root).get('/app')).toBe(staticApp);
    expect(logger.text()).toContain('/app from the program replaces');
  });

  it('uses Kernel and Boot from the config over the release', async () => {
    writeFileSync(join(proj, 'my-kernel'), 'K2');
    const { spec: s } = await spec({ Program: 'app', Kernel: 'my-kernel' });
    expect(s.kernel).toMatchObject({ path: join(proj, 'my-kernel') });
  });

  it('refuses a script as the program', async () => {
    writeFileSync(join(proj, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const err = await spec({ Program: 'run.sh' }).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('NOT_ELF');
  });
});

describe('buildImageSpec for a dynamic host program', () => {
  it('adds the loader through its links, libc, and the common files', async () => {
    const { spec: s } = await spec({ Program: 'dyn' });
    const flat = flatten(s.root);
    const loader = realpathSync('/lib64/ld-linux-x86-64.so.2');
    expect(flat.get(loader)).toBe(loader);
    const libc = realpathSync('/lib/x86_64-linux-gnu/libc.so.6');
    expect(flat.get(libc)).toBe(libc);
    // Every link on the way is in the image, as on the host.
    expect(nodeAt(s.root, '/lib64')).toEqual(
      existsSync('/lib64') && realpathSync('/lib64') !== '/lib64'
        ? { type: 'symlink', target: 'usr/lib64' }
        : { type: 'dir', children: expect.any(Map) },
    );
    if (existsSync('/etc/ssl/certs/ca-certificates.crt')) {
      expect(
        flat.get(realpathSync('/etc/ssl/certs/ca-certificates.crt')),
      ).toBeDefined();
    }
    const nss = '/lib/x86_64-linux-gnu/libnss_dns.so.2';
    if (existsSync(nss)) expect(flat.get(realpathSync(nss))).toBeDefined();
    expect(s.manifest.get('program')).toBe('/dyn');
    // libc's folder is built into the loader: no LD_LIBRARY_PATH needed.
    const env = s.manifest.get('environment') as Tuple;
    expect(env.has('LD_LIBRARY_PATH')).toBe(false);
  });

  it('names the missing library and who needs it', async () => {
    const gone = join(top, 'gone');
    const lib = sharedLib(gone, 'gone', 'foo.c');
    gcc(join(proj, 'needs-gone'), [
      fixture('uses-foo.c'),
      `-L${gone}`,
      '-lgone',
    ]);
    rmSync(lib);
    const err = await spec({ Program: 'needs-gone' }).catch((e: unknown) => e);
    expect((err as UserError).code).toBe('ELF_LIBRARY_MISSING');
    expect((err as UserError).message).toContain(
      'libgone.so, needed by /needs-gone, was not found',
    );
  });
});

describe('buildImageSpec with host links', () => {
  it('follows a named link, keeps links inside folders and file globs', async () => {
    const shared = join(top, 'shared');
    mkdirSync(join(shared, 'www'), { recursive: true });
    writeFileSync(join(shared, 'www/i.html'), 'i');
    symlinkSync('i.html', join(shared, 'www/index.html'));
    writeFileSync(join(shared, 'real.conf'), 'c');
    mkdirSync(join(proj, 'links'), { recursive: true });
    symlinkSync(join(shared, 'www'), join(proj, 'links/www'));
    symlinkSync(join(shared, 'real.conf'), join(proj, 'links/app.conf'));
    writeFileSync(join(proj, 'links/libx.so.1'), 'x');
    symlinkSync('libx.so.1', join(proj, 'links/libx.so'));
    const { spec: s } = await spec({
      Program: 'app',
      Dirs: ['links/www'],
      Files: ['links/app.conf'],
      MapDirs: { 'links/libx*': '/lib' },
    });
    const flat = flatten(s.root);
    expect(flat.get('/links/www')).toBe('dir');
    expect(flat.get('/links/www/i.html')).toBe(join(proj, 'links/www/i.html'));
    expect(flat.get('/links/www/index.html')).toBe('-> i.html');
    expect(flat.get('/links/app.conf')).toBe(join(proj, 'links/app.conf'));
    expect(flat.get('/lib/libx.so')).toBe('-> libx.so.1');
    expect(flat.get('/lib/libx.so.1')).toBe(join(proj, 'links/libx.so.1'));
  });
});
