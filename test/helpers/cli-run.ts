// Runs the CLI in-process through main() with a recording io, for e2e
// tests: exit code, stdout and stderr as the user would see them.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Called with each stdout chunk as it arrives. */
  onStdout?: (text: string) => void;
}

function sink(onWrite?: (text: string) => void) {
  const chunks: string[] = [];
  // A character may be split between two chunks of guest output.
  const decoder = new StringDecoder('utf8');
  return {
    chunks,
    write(chunk: string | Uint8Array, callback?: () => void) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      chunks.push(text);
      onWrite?.(text);
      callback?.();
      return true;
    },
  };
}

export async function runCli(
  argv: string[],
  opts: CliRunOptions = {},
): Promise<CliRun> {
  const stdout = sink(opts.onStdout);
  const stderr = sink();
  const code = await main(argv, {
    env: { ...process.env, ...opts.env },
    stdout,
    stderr,
    cwd: opts.cwd ?? process.cwd(),
    signal: opts.signal,
  });
  return {
    code,
    stdout: stdout.chunks.join(''),
    stderr: stderr.chunks.join(''),
  };
}

/** A temp folder used as SKIFF_HOME (state and data), removed after. */
export async function tempHome(): Promise<{
  dir: string;
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-e2e-'));
  return {
    dir,
    env: { SKIFF_HOME: dir },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

const execFileP = promisify(execFile);

/** gcc `src` into `out` (static unless `flags` say otherwise). */
export async function compileC(
  src: string,
  out: string,
  flags: string[] = ['-static'],
): Promise<string> {
  await execFileP('gcc', ['-O2', ...flags, '-o', out, src]);
  return out;
}
