import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { runSize } from '../../src/config/resolve-run.js';
import type { RawConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';

const top = mkdtempSync(join(tmpdir(), 'skiff-config-resolve-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));

// top/proj/{app, config dir content}, run from top (ops#1028).
const proj = join(top, 'proj');
mkdirSync(join(proj, 'static/css'), { recursive: true });
mkdirSync(join(proj, 'lib'), { recursive: true });
writeFileSync(join(proj, 'app'), 'x', { mode: 0o755 });
writeFileSync(join(proj, 'static/index.html'), '<p>');
writeFileSync(join(proj, 'notes.txt'), 'n');
writeFileSync(join(proj, 'lib/a.so'), 'a');
writeFileSync(join(proj, 'lib/b.so'), 'b');
writeFileSync(join(proj, 'lib/readme'), 'r');
writeFileSync(join(top, 'other'), 'o', { mode: 0o755 });

const opts = { baseDir: proj, cwd: top };

async function failure(
  raw: RawConfig,
  o: typeof opts & { env?: Record<string, string> } = opts,
): Promise<UserError> {
  const err = await resolveConfig(raw, { ...o, source: 'proj/config.json' })
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  expect((err as UserError).code).toBe('CONFIG_INVALID');
  return err as UserError;
}

describe('resolveConfig paths', () => {
  it('resolves Program, Dirs and Files against the config folder', async () => {
    const c = await resolveConfig(
      { Program: 'app', Dirs: ['static'], Files: ['notes.txt'] },
      opts,
    );
    expect(c.baseDir).toBe(proj);
    expect(c.programHostPath).toBe(join(proj, 'app'));
    expect(c.programImagePath).toBe('/app');
    expect(c.dirs).toEqual([
      { hostPath: join(proj, 'static'), imagePath: '/static' },
    ]);
    expect(c.files).toEqual([
      { hostPath: join(proj, 'notes.txt'), imagePath: '/notes.txt' },
    ]);
  });

  it('keeps an absolute Dirs path in the image', async () => {
    const c = await resolveConfig(
      { Program: 'app', Dirs: [join(proj, 'static')] },
      opts,
    );
    expect(c.dirs[0]!.imagePath).toBe(join(proj, 'static'));
  });

  it('takes the program argument relative to the cwd, over Program', async () => {
    const c = await resolveConfig(
      { Program: 'app' },
      { ...opts, programArg: './other' },
    );
    expect(c.programHostPath).toBe(join(top, 'other'));
    expect(c.programImagePath).toBe('/other');
    expect(c.args).toEqual(['/other']);
  });

  it('names the key, the path and where it resolved for a missing path', async () => {
    const err = await failure({ Program: 'app', Dirs: ['static', './gone'] });
    expect(err.message).toBe(
      `proj/config.json: Dirs[1]: ./gone (resolved to ${join(proj, 'gone')})` +
        ' does not exist',
    );
  });

  it('reports every path problem at once', async () => {
    const err = await failure({
      Program: 'nope',
      Dirs: ['notes.txt'],
      Files: ['static'],
      Kernel: 'k.img',
      MapDirs: { 'lib/*.dll': '/lib', 'x/*': 'relative' },
      Mounts: { data: 'data' },
    });
    const text = err.message;
    expect(text).toContain('has 7 problems');
    expect(text).toContain('Program: nope (resolved to');
    expect(text).toContain('Dirs[0]: notes.txt (resolved to');
    expect(text).toContain('is not a folder; list files in Files');
    expect(text).toContain('is not a file; list folders in Dirs');
    expect(text).toContain('Kernel: k.img');
    expect(text).toContain('MapDirs["lib/*.dll"]: matches nothing');
    expect(text).toContain('MapDirs["x/*"]: "relative" must be an absolute');
    expect(text).toContain('Mounts.data: "data" must be an absolute');
  });

  it('asks for a program when there is none', async () => {
    const err = await failure({});
    expect(err.message).toContain('no program: pass it as the first argument');
  });
});

describe('resolveConfig MapDirs', () => {
  it('maps each glob match under the image folder', async () => {
    const c = await resolveConfig(
      { Program: 'app', MapDirs: { './lib/*.so': '/usr/lib/app' } },
      opts,
    );
    expect(c.mapDirs).toEqual([
      { hostPath: join(proj, 'lib/a.so'), imagePath: '/usr/lib/app/a.so' },
      { hostPath: join(proj, 'lib/b.so'), imagePath: '/usr/lib/app/b.so' },
    ]);
  });

  it('maps a plain folder to the image folder itself', async () => {
    const c = await resolveConfig(
      { Program: 'app', MapDirs: { static: '/srv/www/' } },
      opts,
    );
    expect(c.mapDirs).toEqual([
      { hostPath: join(proj, 'static'), imagePath: '/srv/www/' },
    ]);
  });

  it('refuses a glob before the last component', async () => {
    const err = await failure({ Program: 'app', MapDirs: { '*/x': '/x' } });
    expect(err.message).toContain('only in the last component');
  });
});

describe('resolveConfig argv', () => {
  const resolveArgs = async (Args?: string[]) =>
    (await resolveConfig({ Program: 'app', Args }, opts)).args;

  it('puts the program first exactly once', async () => {
    expect(await resolveArgs()).toEqual(['/app']);
    expect(await resolveArgs(['1', '2', '3'])).toEqual(['/app', '1', '2', '3']);
    expect(await resolveArgs(['app', '-v'])).toEqual(['app', '-v']);
    expect(await resolveArgs(['/app', '-v'])).toEqual(['/app', '-v']);
  });
});

describe('resolveConfig values', () => {
  it('fills defaults', async () => {
    const c = await resolveConfig({ Program: 'app' }, opts);
    // CPUs and memory stay unset: an instance may take its image's.
    expect(c.run).toMatchObject({ ports: [], accel: 'auto' });
    expect(c.run.cpus).toBeUndefined();
    expect(c.run.memoryBytes).toBeUndefined();
    expect(runSize(c.run)).toEqual({ cpus: 1, memoryBytes: 512 * 1024 ** 2 });
    expect(c.cloud).toMatchObject({
      platform: 'qemu',
      labels: {},
      imageTimeoutSeconds: 1800,
    });
    expect(c.rebootOnExit).toBe(false);
    expect(c.nameServers).toEqual(['8.8.8.8']);
    expect(c.klibs).toEqual([]);
    expect(c.uefi).toBe(false);
    expect(c.baseVolumeBytes).toBeUndefined();
  });

  it('converts sizes, ports, reboot mode, platform and labels', async () => {
    const c = await resolveConfig(
      {
        Program: 'app',
        BaseVolumeSz: '1.5g',
        RebootOnExit: 'always',
        Klibs: ['cloud_init'],
        RunConfig: {
          Memory: '2G',
          CPUs: 2,
          Ports: ['8080:80', '9000-9001'],
          UDPPorts: ['53'],
          Accel: false,
          IPAddress: '10.0.2.15',
        },
        CloudConfig: {
          Platform: 'onprem',
          Labels: { team: 'a' },
          Tags: [
            { key: 'env', value: 'prod' },
            { key: 'net', value: 'x', attribute: { instance_network: true } },
          ],
        },
      },
      opts,
    );
    expect(c.baseVolumeBytes).toBe(1.5 * 1024 ** 3);
    expect(c.rebootOnExit).toBe('always');
    expect(c.klibs).toEqual(['cloud_init', 'tls']);
    expect(c.run.memoryBytes).toBe(2 * 1024 ** 3);
    expect(c.run.accel).toBe('tcg');
    expect(c.run.ipAddress).toBe('10.0.2.15');
    expect(c.run.ports).toEqual([
      { protocol: 'tcp', hostPort: 8080, guestPort: 80 },
      { protocol: 'tcp', hostPort: 9000, guestPort: 9000 },
      { protocol: 'tcp', hostPort: 9001, guestPort: 9001 },
      { protocol: 'udp', hostPort: 53, guestPort: 53 },
    ]);
    expect(c.cloud.platform).toBe('qemu');
    expect(c.cloud.labels).toEqual({ team: 'a', env: 'prod' });
  });

  it('maps RebootOnExit true to on-failure', async () => {
    const c = await resolveConfig({ Program: 'app', RebootOnExit: true }, opts);
    expect(c.rebootOnExit).toBe('on-failure');
  });

  it('rejects an unsupported platform', async () => {
    const err = await failure({
      Program: 'app',
      CloudConfig: { Platform: 'azure' },
    });
    expect(err.message).toContain('CloudConfig.Platform: "azure" is not');
  });

  it('reads SKIFF_GCP_COMPUTE_ENDPOINT and SKIFF_NANOS_DIR from env', async () => {
    const c = await resolveConfig(
      { Program: 'app' },
      {
        ...opts,
        env: {
          SKIFF_GCP_COMPUTE_ENDPOINT: 'http://127.0.0.1:9',
          SKIFF_NANOS_DIR: 'rel',
        },
      },
    );
    expect(c.cloud.computeEndpoint).toBe('http://127.0.0.1:9');
    expect(c.nanosDir).toBe(join(top, 'rel'));
  });

  it('refuses a SKIFF_NANOS_SHA256 that is not 64 hex digits', async () => {
    const err = await failure({ Program: 'app' }, {
      ...opts,
      env: { SKIFF_NANOS_SHA256: 'abc' },
    } as typeof opts);
    expect(err.message).toBe(
      'proj/config.json: SKIFF_NANOS_SHA256: "abc" is not a SHA-256 (64 ' +
        "hex digits); set it to the release tarball's `sha256sum`, or " +
        'unset it',
    );
    const pin = 'Ab'.repeat(32);
    const c = await resolveConfig(
      { Program: 'app' },
      { ...opts, env: { SKIFF_NANOS_SHA256: pin } },
    );
    expect(c.nanosSha256).toBe(pin);
  });
});

describe('resolveConfig with a TargetRoot', () => {
  const root = join(top, 'root');
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/tool.real'), 'x');
  symlinkSync('/usr/bin/tool.real', join(root, 'usr/bin/tool'));

  it('looks the program up inside the root, links resolved inside', async () => {
    const c = await resolveConfig(
      { Program: '/usr/bin/tool', TargetRoot: '../root' },
      opts,
    );
    expect(c.targetRoot).toBe(root);
    expect(c.programImagePath).toBe('/usr/bin/tool');
    expect(c.programHostPath).toBe(join(root, 'usr/bin/tool.real'));
  });

  it('says the program is missing inside the root', async () => {
    const err = await failure({ Program: '/bin/sh', TargetRoot: '../root' });
    expect(err.message).toContain(
      `Program: /bin/sh does not exist inside ${root}`,
    );
  });
});
