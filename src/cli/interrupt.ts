// A command ended by a signal: the abort reason the bin passes down, and
// the exit code shells use for it (128 + the signal's number: SIGINT 130,
// SIGHUP 129, SIGTERM 143, SIGPIPE 141 when the reader of stdout left).
import { constants } from 'node:os';
import { AbortError } from '../errors.js';

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
