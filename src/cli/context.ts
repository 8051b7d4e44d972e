// What every command handler gets: the logger, paths, env, cwd, and a way
// to set the exit code. Commands never touch `process` directly.
import type { Logger, Writable } from '../log.js';
import type { Env, SkiffPaths } from '../paths.js';

export interface CliIo {
  env: Env;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /**
   * Aborted on SIGINT, SIGTERM or SIGHUP by the bin (the reason is an
   * Interrupt naming it); commands pass it down.
   */
  signal?: AbortSignal;
}

export interface CliContext {
  io: CliIo;
  logger: Logger;
  paths: SkiffPaths;
  /** Global --json: results as one JSON document on stdout. */
  json: boolean;
  /** Global --debug: stacks on errors. */
  debug: boolean;
  /** Set by a command whose exit code is not 0/1 (e.g. `run`). */
  exitCode?: number;
}
