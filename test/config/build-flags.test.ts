// src/cli/build-flags.ts: the shared flags, parsed by commander for real.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addBuildFlags,
  resolveBuildConfig,
} from '../../src/cli/build-flags.js';
import type { CliContext } from '../../src/cli/context.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { RecordingLogger } from '../../src/log.js';

const top = mkdtempSync(join(tmpdir(), 'skiff-build-flags-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const proj = join(top, 'proj');
mkdirSync(join(proj, 'static'), { recursive: true });
writeFileSync(join(proj, 'app'), 'x', { mode: 0o755 });
writeFileSync(
  join(proj, 'config.json'),
  JSON.stringify({
    Args: ['one'],
    Dirs: ['static'],
    Env: { A: '1' },
    RunConfig: { Ports: ['80'] },
  }),
);

function ctxFor(env: Record<string, string> = {}): CliContext {
  return {
    io: { env, stdout: { write() {} }, stderr: { write() {} }, cwd: top },
    logger: new RecordingLogger(),
    paths: { cacheDir: top, dataDir: top, stateDir: top },
    json: false,
    debug: false,
  };
}

async function run(argv: string[]): Promise<ResolvedConfig> {
  let out: ResolvedConfig | undefined;
  const cmd = addBuildFlags(new Command('build').argument('[program]'))
    .exitOverride()
    .action(async (program: string | undefined, opts) => {
      out = await resolveBuildConfig(ctxFor(), opts, program);
    });
  await cmd.parseAsync(argv, { from: 'user' });
  return out!;
}

describe('addBuildFlags + resolveBuildConfig', () => {
  it('reads -c relative to the cwd and resolves Dirs in its folder', async () => {
    const c = await run(['proj/app', '-c', 'proj/config.json']);
    expect(c.programHostPath).toBe(join(proj, 'app'));
    expect(c.programImagePath).toBe('/proj/app');
    expect(c.dirs).toEqual([
      { hostPath: join(proj, 'static'), imagePath: '/static' },
    ]);
    expect(c.args).toEqual(['/proj/app', 'one']);
  });

  it('applies repeatable flags', async () => {
    const c = await run([
      'proj/app',
      '-c',
      'proj/config.json',
      '-a',
      'two',
      '-a',
      'three',
      '-e',
      'B=x=y',
      '-p',
      '8080:81',
      '-p',
      '53/udp',
      '--klib',
      'ntp',
      '-m',
      '1g',
      '--smp',
      '2',
      '--accel',
      'tcg',
      '-t',
      'gcp',
      '--reboot-on-exit',
      '--nanos-dir',
      'rel/nanos',
      '--target-root',
      '.',
    ]);
    expect(c.args).toEqual(['/proj/app', 'one', 'two', 'three']);
    expect(c.env).toEqual({ A: '1', B: 'x=y' });
    expect(
      c.run.ports.map((p) => `${p.hostPort}:${p.guestPort}/${p.protocol}`),
    ).toEqual(['80:80/tcp', '8080:81/tcp', '53:53/udp']);
    expect(c.klibs).toEqual(['ntp']);
    expect(c.run.memoryBytes).toBe(1024 ** 3);
    expect(c.run.cpus).toBe(2);
    expect(c.run.accel).toBe('tcg');
    expect(c.cloud.platform).toBe('gcp');
    expect(c.rebootOnExit).toBe('on-failure');
    expect(c.nanosDir).toBe(join(top, 'rel/nanos'));
    expect(c.targetRoot).toBe(top);
  });

  it('takes --reboot-on-exit always and --args-replace', async () => {
    const c = await run([
      'proj/app',
      '-c',
      'proj/config.json',
      '--reboot-on-exit',
      'always',
      '--args-replace',
      '-a',
      'only',
    ]);
    expect(c.rebootOnExit).toBe('always');
    expect(c.args).toEqual(['/proj/app', 'only']);
  });

  it('resolves against the cwd without -c', async () => {
    const c = await run(['proj/app']);
    expect(c.baseDir).toBe(top);
    expect(c.args).toEqual(['/proj/app']);
  });

  it('rejects a bad --smp and -e naming them', async () => {
    await expect(run(['proj/app', '--smp', 'two'])).rejects.toThrow(
      '--smp two',
    );
    await expect(run(['proj/app', '-e', 'NOVALUE'])).rejects.toThrow(
      '-e NOVALUE: expected NAME=value',
    );
  });
});
