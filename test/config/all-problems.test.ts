// "All problems at once" across phases: schema problems, paths on disk and
// the program in one CONFIG_INVALID; every bad flag in one FLAG_INVALID.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addBuildFlags,
  resolveBuildConfig,
} from '../../src/cli/build-flags.js';
import type { CliContext } from '../../src/cli/context.js';
import { applyFlags } from '../../src/config/flags.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { checkConfig } from '../../src/config/validate.js';
import { UserError } from '../../src/errors.js';
import { RecordingLogger } from '../../src/log.js';

const top = mkdtempSync(join(tmpdir(), 'skiff-all-problems-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
writeFileSync(join(top, 'app'), 'x', { mode: 0o755 });

async function failure(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(() => undefined).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

function ctx(): CliContext {
  return {
    io: { env: {}, stdout: { write() {} }, stderr: { write() {} }, cwd: top },
    logger: new RecordingLogger(),
    paths: { cacheDir: top, dataDir: top, stateDir: top },
    json: false,
    debug: false,
  };
}

function resolveFlags(argv: string[]): Promise<unknown> {
  const cmd = addBuildFlags(new Command('run').argument('[program]'))
    .exitOverride()
    .action(async (program: string | undefined, opts) => {
      await resolveBuildConfig(ctx(), opts, program);
    });
  return cmd.parseAsync(argv, { from: 'user' });
}

describe('config problems from every phase at once', () => {
  it('reports a bad size together with a missing Dirs path', async () => {
    writeFileSync(
      join(top, 'config.json'),
      JSON.stringify({ Dirs: ['missing'], BaseVolumeSz: '2q' }),
    );
    const err = await failure(resolveFlags(['app', '-c', 'config.json']));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('has 2 problems');
    expect(err.message).toContain('BaseVolumeSz: "2q" is not a size');
    expect(err.message).toContain('Dirs[0]: missing');
  });

  it('reports a missing program with schema problems', async () => {
    const err = await failure(
      resolveConfig(
        { Program: 'nope', RunConfig: { Memory: 'x' }, Files: ['gone'] },
        { baseDir: top, cwd: top, source: 'c.json' },
      ),
    );
    expect(err.message).toContain('c.json has 3 problems');
    expect(err.message).toContain('RunConfig.Memory: "x" is not a size');
    expect(err.message).toContain('Program: nope');
    expect(err.message).toContain('Files[0]: gone');
  });

  it('does not add "no program" when the schema refused Program', async () => {
    const err = await failure(
      resolveConfig({ Program: '' }, { baseDir: top, cwd: top }),
    );
    expect(err.message).toBe('Program: must not be empty, got the string ""');
  });

  it('keeps the valid part of a config', () => {
    const checked = checkConfig({
      Args: ['a'],
      Dirs: ['ok', 3],
      Env: { A: 'b', PORT: 8080 },
      RunConfig: { Memory: '2x', CPUs: 2, Bogus: 1 },
    });
    expect(checked.problems).toHaveLength(4);
    expect(checked.config).toEqual({
      Args: ['a'],
      Env: { A: 'b' },
      RunConfig: { CPUs: 2 },
    });
  });
});

describe('flag problems at once', () => {
  it('lists every bad flag in one FLAG_INVALID', () => {
    let err: unknown;
    try {
      applyFlags({}, { env: ['NOVALUE'], ports: ['abc'], memory: '2x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const e = err as UserError;
    expect(e.code).toBe('FLAG_INVALID');
    expect(e.message).toMatch(/^3 bad flags:/);
    expect(e.message).toContain('-e NOVALUE: expected NAME=value');
    expect(e.message).toContain('-p abc:');
    expect(e.message).toContain('-m/--memory: "2x" is not a size');
  });

  it('includes a bad --smp parsed by commander', async () => {
    const err = await failure(
      resolveFlags(['app', '--smp', 'two', '-e', 'X', '-m', '1m']),
    );
    expect(err.message).toMatch(/^3 bad flags:/);
    expect(err.message).toContain('--smp two');
    expect(err.message).toContain('-e X');
    expect(err.message).toContain('"1m" is below the minimum');
  });
});
