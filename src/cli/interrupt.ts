// A command ended by a signal: the abort reason the bin passes down, and
// the exit code shells use for it (128 + the signal's number: SIGINT 130,
// SIGHUP 129, SIGTERM 143, SIGPIPE 141 when the reader of stdout left),
// or stdout that cannot be written (a full disk): exit 1 with an error.
import { constants } from 'node:os';
import { AbortError, EnvironmentError, errnoCode } from '../errors.js';

/** The reason of the abort signal when the bin received a signal. */
export class Interrupt extends AbortError {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}`);
  }

  get exitCode(): number {
    return (
      128 + (constants.signals[this.signalName] ?? constants.signals.SIGINT)
    );
  }
}

/** The exit code for an aborted command: its signal's, else SIGINT's. */
export function interruptExitCode(signal: AbortSignal | undefined): number {
  const reason: unknown = signal?.reason;
  return reason instanceof Interrupt ? reason.exitCode : 130;
}

/**
 * The reader of our output went away (`skiff run app | head -1`): the bin
 * aborts with SIGPIPE, and the command stops quietly, as `cat` would.
 */
export function isBrokenPipe(signal: AbortSignal | undefined): boolean {
  const reason: unknown = signal?.reason;
  return reason instanceof Interrupt && reason.signalName === 'SIGPIPE';
}

/**
 * Our standard output failed for another reason than a reader that left
 * (ENOSPC on `> file`, EIO): the bin aborts the command with this, and
 * the command ends as an error once it has cleaned up.
 */
export class OutputFailed extends AbortError {
  constructor(readonly error: unknown) {
    super(`cannot write to standard output (${errnoCode(error) ?? error})`);
  }

  /** The error to show: the write failure, with a next step. */
  describe(): EnvironmentError {
    const why =
      this.error instanceof Error ? this.error.message : String(this.error);
    return new EnvironmentError(
      'OUTPUT_FAILED',
      `cannot write to standard output: ${why}`,
      {
        cause: this.error,
        hint:
          errnoCode(this.error) === 'ENOSPC'
            ? 'the disk the output goes to is full: free some space or ' +
              'redirect the output elsewhere'
            : 'check where the output is redirected',
      },
    );
  }
}

/** The write failure that stopped the command, when one did. */
export function outputFailure(
  signal: AbortSignal | undefined,
): OutputFailed | undefined {
  const reason: unknown = signal?.reason;
  return reason instanceof OutputFailed ? reason : undefined;
}
