// QEMU's exit status back to the app's exit code. Nanos with `debug_exit`
// writes (code << 1) | 1 to isa-debug-exit, so QEMU exits with that value
// masked to 8 bits (ops-reference §6.3; runtime-notes "Kernel versions").

export type QemuExitKind =
  /** The app exited through debug_exit; `appExitCode` is its code. */
  | 'app'
  /** QEMU exited 0 without debug_exit: ACPI power-off or a clean quit. */
  | 'poweroff'
  /**
   * QEMU exited 0 although the manifest has debug_exit: the guest reset
   * (a crash, a triple fault: -no-reboot turns the reset into an exit) or
   * powered off without reporting an exit code.
   */
  | 'reset'
  /** QEMU was ended by a signal it caught (it then exits 0). */
  | 'signal'
  /** QEMU itself failed (bad option, unreadable image): status 1 + stderr. */
  | 'qemu-error'
  /** An even, non-zero status: not something Nanos produces. */
  | 'unknown';

export interface DecodedExit {
  kind: QemuExitKind;
  appExitCode: number;
}

export interface DecodeOptions {
  /** QEMU printed an error and the guest never wrote to the console. */
  qemuFailed?: boolean;
  /** The image's manifest has debug_exit: every app exit is odd. */
  debugExit?: boolean;
  /** QEMU's own output, for "terminating on signal N". */
  qemuOutput?: string;
}

/** "terminating on signal 15 from pid 1048": QEMU caught a signal. */
export function caughtSignal(qemuOutput: string): number | undefined {
  const m = /terminating on signal (\d+)/.exec(qemuOutput);
  return m ? Number(m[1]) : undefined;
}

/**
 * Decodes QEMU's status. Status 1 is ambiguous: app exit(0) through
 * debug_exit, or QEMU's own failure; `qemuFailed` settles it. Status 0 is
 * a clean power-off without debug_exit, but with it the guest never said
 * how the app ended.
 */
export function decodeQemuExit(
  status: number,
  opts: DecodeOptions = {},
): DecodedExit {
  if (status === 0) {
    if (caughtSignal(opts.qemuOutput ?? '') !== undefined) {
      return { kind: 'signal', appExitCode: 0 };
    }
    return { kind: opts.debugExit ? 'reset' : 'poweroff', appExitCode: 0 };
  }
  if (status === 1 && opts.qemuFailed) {
    return { kind: 'qemu-error', appExitCode: 1 };
  }
  if (status % 2 === 1) return { kind: 'app', appExitCode: (status - 1) / 2 };
  return { kind: 'unknown', appExitCode: status };
}
