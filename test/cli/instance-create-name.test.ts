// `instance create` without --instance-name: the name it makes up from a
// long (valid) image name is valid too, so the create goes ahead.
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
