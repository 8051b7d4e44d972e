// Runs QEMU in the foreground: serial console streamed to the logger as it
// arrives, the app's exit code decoded from QEMU's status, and Ctrl-C (the
// abort signal) stopping the VM: SIGTERM, a grace period, then SIGKILL.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { EnvironmentError } from '../errors.js';
import { onForcedExit } from '../exit-cleanup.js';
import type { Logger } from '../log.js';
import { decodeQemuExit, type QemuExitKind } from './exit-status.js';
import { QEMU_INSTALL_HINT } from './find-qemu.js';
import {
  ConsoleTail,
  guestReset,
  qemuFailure,
  stoppedFromOutside,
} from './foreground-errors.js';
import { shellWord } from '../shell-word.js';
import { spawnWatched, type WatchedChild } from './watched-spawn.js';

export interface ForegroundOptions {
  logger: Logger;
  signal?: AbortSignal;
  /** Stop the VM after this long; the result then has timedOut. */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs?: number;
  /** The node binary that runs the watcher (default: this one). */
  nodePath?: string;
  /**
   * The image has debug_exit, so every app exit is an odd status and a
   * status of 0 means the guest reset or powered off on its own.
   */
  debugExit?: boolean;
  /** The guest memory asked for, named when QEMU cannot set it up. */
  memoryBytes?: number;
}

export interface ForegroundResult {
  /** What skiff should exit with: the app's code, 130 on Ctrl-C. */
  exitCode: number;
  kind: QemuExitKind | 'interrupted' | 'timeout';
  /** QEMU's raw status, or the signal that ended it. */
  qemuStatus: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/** The exit code for an interrupted run, as shells report SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;

function stopper(watched: WatchedChild, graceMs: number): () => void {
  const { child } = watched;
  let stopping = false;
  return () => {
    if (stopping || child.exitCode !== null) return;
    stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => watched.killAll(), graceMs);
    timer.unref();
    child.once('exit', () => clearTimeout(timer));
  };
}

/** A path (not a bare name, looked up on PATH) must be executable. */
async function checkExecutable(qemuPath: string): Promise<void> {
  if (!qemuPath.includes('/')) return;
  try {
    await access(qemuPath, constants.X_OK);
  } catch (err) {
    throw new EnvironmentError(
      'QEMU_START_FAILED',
      `cannot start ${qemuPath}: ${(err as Error).message}`,
      { hint: QEMU_INSTALL_HINT, cause: err },
    );
  }
}

/**
 * Spawns `qemuPath argv` (never through a shell, under a watcher that
 * kills it if skiff dies) and waits for it. Console output goes to
 * logger.stream; QEMU's own stderr is kept for the error.
 */
export async function runQemuForeground(
  qemuPath: string,
  argv: string[],
  opts: ForegroundOptions,
): Promise<ForegroundResult> {
  const { logger } = opts;
  logger.debug(`qemu: ${[qemuPath, ...argv].map(shellWord).join(' ')}`);
  await checkExecutable(qemuPath);
  const watched = spawnWatched(
    opts.nodePath ?? process.execPath,
    qemuPath,
    argv,
  );
  const forget = onForcedExit(() => watched.killAll());
  try {
    return await waitForQemu(watched, qemuPath, opts);
  } finally {
    forget();
  }
}

function waitForQemu(
  watched: WatchedChild,
  qemuPath: string,
  opts: ForegroundOptions,
): Promise<ForegroundResult> {
  const { logger, signal } = opts;
  const { child } = watched;
  return new Promise((resolve, reject) => {
    const stop = stopper(watched, opts.graceMs ?? 3000);
    let sawConsole = false;
    let stderr = '';
    let reason: 'interrupted' | 'timeout' | undefined;

    const tail = new ConsoleTail();
    child.stdout!.on('data', (chunk: Buffer) => {
      sawConsole = true;
      tail.add(chunk);
      logger.stream(chunk);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr += d;
      for (const line of d.split('\n').filter(Boolean)) {
        logger.debug(`qemu: ${line}`);
      }
    });

    const onAbort = () => {
      reason ??= 'interrupted';
      stop();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            reason ??= 'timeout';
            stop();
          }, opts.timeoutMs);

    child.on('error', (err) => {
      cleanup();
      reject(
        new EnvironmentError(
          'QEMU_START_FAILED',
          `cannot start ${qemuPath}: ${err.message}`,
          { hint: QEMU_INSTALL_HINT, cause: err },
        ),
      );
    });
    child.on('close', (status, sig) => {
      cleanup();
      const base = { qemuStatus: status, signal: sig };
      if (reason === 'interrupted') {
        resolve({
          ...base,
          exitCode: INTERRUPTED_EXIT_CODE,
          kind: 'interrupted',
          timedOut: false,
        });
        return;
      }
      if (reason === 'timeout') {
        resolve({ ...base, exitCode: 124, kind: 'timeout', timedOut: true });
        return;
      }
      if (status === null) {
        reject(
          new EnvironmentError(
            'QEMU_KILLED',
            `QEMU was killed by ${sig ?? 'a signal'}`,
            { hint: 'check memory limits (-m) and dmesg' },
          ),
        );
        return;
      }
      const decoded = decodeQemuExit(status, {
        qemuFailed: !sawConsole && stderr !== '',
        debugExit: opts.debugExit,
        qemuOutput: stderr,
      });
      if (decoded.kind === 'qemu-error') {
        reject(qemuFailure(stderr, opts.memoryBytes));
        return;
      }
      if (decoded.kind === 'signal') {
        reject(stoppedFromOutside(stderr));
        return;
      }
      if (decoded.kind === 'reset') {
        reject(guestReset(tail.lastLines(3)));
        return;
      }
      if (decoded.kind === 'unknown') {
        logger.warn(`QEMU exited with status ${status}, not an app code`);
      }
      resolve({
        ...base,
        exitCode: decoded.appExitCode,
        kind: decoded.kind,
        timedOut: false,
      });
    });

    function cleanup(): void {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  });
}
