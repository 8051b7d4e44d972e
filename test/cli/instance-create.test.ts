// `instance create` up to QEMU's start (a stand-in QEMU that fails at
// once): the name it makes up from a long image name is valid, and the
// keys of -c that are built into the image are named as ignored.
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageOnlyKeys } from '../../src/cli/instance-config-keys.js';
import { createQemuProvider } from '../../providers/qemu/index.js';
import { silentLogger } from '../../src/log.js';
import { resolvePaths } from '../../src/paths.js';
import { runCli } from '../helpers/cli-run.js';
import { runConfig } from '../providers/qemu/fixture.js';

let dir: string;
let env: Record<string, string>;
const image = 'i'.repeat(60);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-name-'));
  // A QEMU that fails at once: the create gets as far as starting it.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const qemu = join(bin, 'qemu-system-x86_64');
  await writeFile(qemu, '#!/bin/sh\necho "qemu: no such disk" >&2\nexit 1\n');
  await chmod(qemu, 0o755);
  env = { SKIFF_HOME: dir, PATH: `${bin}:/usr/bin:/bin` };
  const paths = resolvePaths(env);
  const provider = createQemuProvider({ logger: silentLogger, paths, env });
  const disk = join(dir, 'disk.img');
  await writeFile(disk, 'not really a disk');
  await provider.createImage({
    name: image,
    image: { path: disk, sizeBytes: 17, uefi: false, arch: 'x86_64' },
    config: runConfig(),
    builtFrom: { package: 'php82:8.2' },
  });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('instance create without --instance-name', () => {
  it('makes up a valid name from a 60-character image name', async () => {
    const r = await runCli(['--json', 'instance', 'create', image], { env });
    const { error } = JSON.parse(r.stdout) as { error: { code: string } };
    expect(error.code).toBe('QEMU_FAILED');
    const left = await readdir(join(dir, 'state', 'instances'));
    expect(left.filter((n) => !n.startsWith('.'))).toEqual([]);
  });
});

describe('instance create -c', () => {
  async function createWith(config: object) {
    await writeFile(join(dir, 'cfg.json'), JSON.stringify(config));
    return runCli(['instance', 'create', image, '-n', 'x', '-c', 'cfg.json'], {
      env,
      cwd: dir,
    });
  }

  it('names the keys built into the image, and the fix', async () => {
    const r = await createWith({
      Args: ['--port', '9000'],
      Env: { MODE: 'prod' },
      Dirs: ['static'],
      RunConfig: { Memory: '256m' },
      Description: 'web',
    });
    expect(r.stderr).toContain(
      '-c cfg.json: Args, Env, Dirs ignored: they are built into image',
    );
    // The hint is a command that works: with the image's own package.
    expect(r.stderr).toContain(
      'skiff image create --package php82:8.2 -c cfg.json ' +
        `--imagename ${image} --force`,
    );
    expect(r.stderr).not.toMatch(/RunConfig|Description/);
    // Past the warning, the create went on to start QEMU.
    expect(r.stderr).toContain('QEMU exited during start');
  });

  it('says nothing of a config that only says how to run', async () => {
    const r = await createWith({ RunConfig: { Memory: '256m' } });
    expect(r.stderr).not.toContain('warning');
  });
});

describe('instance create with cloud flags on the local target', () => {
  it('names the flags it ignores, and only those given', async () => {
    const r = await runCli(
      [
        'instance',
        'create',
        image,
        '-n',
        'y',
        '-z',
        'us-east-1a',
        '--flavor',
        'big',
      ],
      { env, cwd: dir },
    );
    expect(r.stderr).toContain(
      'warning: -z/--zone and --flavor are for -t gcp and -t aws; a local ' +
        '(qemu) target ignores them',
    );
    expect(r.stderr).not.toContain('--projectid');
  });

  it('names CloudConfig.StaticIP and EnableIPv6 in the same warning', async () => {
    await writeFile(
      join(dir, 'cfg.json'),
      JSON.stringify({
        CloudConfig: { StaticIP: '198.51.100.20', EnableIPv6: true },
      }),
    );
    const r = await runCli(
      ['instance', 'create', image, '-n', 'y', '-z', 'z1', '-c', 'cfg.json'],
      { env, cwd: dir },
    );
    expect(r.stderr).toContain(
      'warning: -z/--zone, CloudConfig.StaticIP and CloudConfig.EnableIPv6 ' +
        'are for -t gcp and -t aws; a local (qemu) target ignores them',
    );
  });

  it('names a StaticIP given alone, and not EnableIPv6 false', async () => {
    await writeFile(
      join(dir, 'cfg.json'),
      JSON.stringify({
        CloudConfig: { StaticIP: '198.51.100.20', EnableIPv6: false },
      }),
    );
    const r = await runCli(
      ['instance', 'create', image, '-n', 'y', '-c', 'cfg.json'],
      { env, cwd: dir },
    );
    expect(r.stderr).toContain(
      'warning: CloudConfig.StaticIP is for -t gcp and -t aws; a local ' +
        '(qemu) target ignores it',
    );
    expect(r.stderr).not.toContain('EnableIPv6');
  });
});

describe('imageOnlyKeys', () => {
  it('counts BaseVolumeSz for local instances only', () => {
    const raw = { BaseVolumeSz: '2g', CloudConfig: { Zone: 'z' } };
    expect(imageOnlyKeys(raw, 'qemu')).toEqual(['BaseVolumeSz']);
    expect(imageOnlyKeys(raw, 'gcp')).toEqual([]);
  });

  it('counts the RunConfig keys written into the manifest', () => {
    const raw = { RunConfig: { Memory: '1g', IPAddress: '10.0.2.15' } };
    expect(imageOnlyKeys(raw, 'qemu')).toEqual(['RunConfig.IPAddress']);
  });
});
