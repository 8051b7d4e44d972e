// Images from a package sysroot and from a TargetRoot: everything comes
// from inside the root, links stay links, hard links stay hard links.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import type { RawConfig } from '../../src/config/types.js';
import { RecordingLogger } from '../../src/log.js';
import { buildImageSpec } from '../../src/manifest/build.js';
import type { Tuple } from '../../src/tfs/value.js';
import { fixture, gcc, sharedLib } from '../elf/compile.js';
import { fakeRelease, flatten, nodeAt } from './helpers.js';

const top = mkdtempSync(join(tmpdir(), 'skiff-manifest-roots-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const release = fakeRelease(join(top, 'nanos'));
const hostLoader = realpathSync('/lib64/ld-linux-x86-64.so.2');
const hostLibc = realpathSync(
  execFileSync('gcc', ['-print-file-name=libc.so.6'], {
    encoding: 'utf8',
  }).trim(),
);

/** A Debian-like root: merged /lib, loader link, libc. */
function baseRoot(root: string): void {
  const multi = join(root, 'usr/lib/x86_64-linux-gnu');
  mkdirSync(multi, { recursive: true });
  copyFileSync(hostLoader, join(multi, basename(hostLoader)));
  copyFileSync(hostLibc, join(multi, 'libc.so.6'));
  symlinkSync('usr/lib', join(root, 'lib'));
  symlinkSync('usr/bin', join(root, 'bin'));
  mkdirSync(join(root, 'lib64'));
  symlinkSync(
    `/lib/x86_64-linux-gnu/${basename(hostLoader)}`,
    join(root, 'lib64/ld-linux-x86-64.so.2'),
  );
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'etc'), { recursive: true });
}

async function build(raw: RawConfig, opts: { packageRoot?: string } = {}) {
  const logger = new RecordingLogger();
  const config = await resolveConfig(raw, {
    baseDir: top,
    cwd: top,
    packageRoot: opts.packageRoot,
  });
  const spec = await buildImageSpec(config, release, {
    localRun: false,
    packageRoot: opts.packageRoot,
    logger,
  });
  return { spec, logger };
}

describe('buildImageSpec with a package root', () => {
  const pkg = join(top, 'pkg');
  baseRoot(pkg);
  gcc(join(pkg, 'usr/bin/prog'), [fixture('hello.c')]);
  writeFileSync(join(pkg, 'etc/passwd'), 'app:x:1:1::/:/x\n');
  writeFileSync(join(pkg, 'etc/resolv.conf'), 'nameserver 172.17.0.1\n');
  symlinkSync('libfoo.so.1', join(pkg, 'usr/lib/libfoo.so'));
  symlinkSync('/usr/lib/libbar.so.2', join(pkg, 'usr/lib/libbar.so'));
  mkdirSync(join(pkg, 'usr/share'), { recursive: true });
  writeFileSync(join(pkg, 'usr/share/a'), 'same');
  linkSync(join(pkg, 'usr/share/a'), join(pkg, 'usr/share/b'));

  it('copies the whole tree with links and hard links kept', async () => {
    const { spec, logger } = await build(
      { Program: '/bin/prog' },
      { packageRoot: pkg },
    );
    const flat = flatten(spec.root);
    expect(flat.get('/bin')).toBe('-> usr/bin');
    expect(flat.get('/lib')).toBe('-> usr/lib');
    expect(flat.get('/usr/bin/prog')).toBe(join(pkg, 'usr/bin/prog'));
    expect(flat.get('/usr/lib/libfoo.so')).toBe('-> libfoo.so.1');
    expect(flat.get('/etc/passwd')).toBe(join(pkg, 'etc/passwd'));
    expect(flat.get('/etc/resolv.conf')).toBe('bytes:nameserver 8.8.8.8\n');
    expect(nodeAt(spec.root, '/usr/share/a')).toBe(
      nodeAt(spec.root, '/usr/share/b'),
    );
    for (const [path, what] of flat) {
      if (what.startsWith('/')) {
        expect(what.startsWith(pkg), `${path} from ${what}`).toBe(true);
      }
    }
    expect(flat.has('/etc/ssl/certs/ca-certificates.crt')).toBe(false);
    expect(spec.manifest.get('program')).toBe('/bin/prog');
    expect(spec.manifest.get('arguments')).toEqual(['/bin/prog']);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('2 dangling symlink(s)');
    expect(warnings[0]!.message).toContain('/usr/lib/libbar.so');
  });
});

describe('buildImageSpec with a TargetRoot', () => {
  const root = join(top, 'troot');
  baseRoot(root);
  mkdirSync(join(root, 'etc/ld.so.conf.d'), { recursive: true });
  writeFileSync(
    join(root, 'etc/ld.so.conf'),
    'include /etc/ld.so.conf.d/*.conf\n',
  );
  writeFileSync(join(root, 'etc/ld.so.conf.d/x.conf'), '/opt/x/lib\n');
  sharedLib(join(root, 'opt/x/lib'), 'foo', 'foo.c');
  gcc(join(root, 'usr/bin/app'), [
    fixture('uses-foo.c'),
    `-L${join(root, 'opt/x/lib')}`,
    '-lfoo',
  ]);

  it('takes loader and libraries from the root, links kept', async () => {
    const { spec } = await build({
      Program: '/usr/bin/app',
      TargetRoot: root,
      Env: { LD_LIBRARY_PATH: '/mine' },
    });
    const flat = flatten(spec.root);
    const loaderName = basename(hostLoader);
    expect(flat.get('/lib64/ld-linux-x86-64.so.2')).toBe(
      `-> /lib/x86_64-linux-gnu/${loaderName}`,
    );
    expect(flat.get('/lib')).toBe('-> usr/lib');
    expect(flat.get(`/usr/lib/x86_64-linux-gnu/${loaderName}`)).toBe(
      join(root, `usr/lib/x86_64-linux-gnu/${loaderName}`),
    );
    expect(flat.get('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe(
      join(root, 'usr/lib/x86_64-linux-gnu/libc.so.6'),
    );
    expect(flat.get('/opt/x/lib/libfoo.so')).toBe(
      join(root, 'opt/x/lib/libfoo.so'),
    );
    expect(flat.get('/usr/bin/app')).toBe(join(root, 'usr/bin/app'));
    // Without ld.so.cache the guest loader needs the ld.so.conf folder.
    const env = spec.manifest.get('environment') as Tuple;
    expect(env.get('LD_LIBRARY_PATH')).toBe('/mine:/opt/x/lib');
  });
});

describe('a Program that is a link inside the root', () => {
  const root = join(top, 'linkroot');
  baseRoot(root);
  // Debian's alternatives: absolute links that only make sense in the root.
  const alt = `/skiff-alt-${process.pid}`;
  mkdirSync(join(root, alt), { recursive: true });
  gcc(join(root, 'usr/bin/real-app'), [fixture('hello.c')]);
  symlinkSync('/usr/bin/real-app', join(root, alt, 'app'));
  symlinkSync(`${alt}/app`, join(root, 'usr/bin/app'));

  it('follows absolute links inside the root, never on the host', async () => {
    const { spec } = await build({ Program: '/usr/bin/app', TargetRoot: root });
    const flat = flatten(spec.root);
    expect(flat.get('/usr/bin/app')).toBe(`-> ${alt}/app`);
    expect(flat.get(`${alt}/app`)).toBe('-> /usr/bin/real-app');
    expect(flat.get('/usr/bin/real-app')).toBe(join(root, 'usr/bin/real-app'));
    expect(spec.manifest.get('program')).toBe('/usr/bin/app');
  });
});
