// QEMU's exit status back to the app's exit code. Nanos with `debug_exit`
// writes (code << 1) | 1 to isa-debug-exit, so QEMU exits with that value
// masked to 8 bits (ops-reference §6.3; runtime-notes "Kernel versions").

export type QemuExitKind =
  /** The app exited through debug_exit; `appExitCode` is its code. */
  | 'app'
  /** QEMU exited 0: ACPI power-off (no debug_exit) or a clean quit. */
  | 'poweroff'
  /** QEMU itself failed (bad option, unreadable image): status 1 + stderr. */
  | 'qemu-error'
  /** An even, non-zero status: not something Nanos produces. */
  | 'unknown';

export interface DecodedExit {
  kind: QemuExitKind;
  appExitCode: number;
}

/**
 * Decodes QEMU's status. Status 1 is ambiguous: app exit(0) through
 * debug_exit, or QEMU's own failure. `qemuFailed` (QEMU printed an error
 * and the guest never wrote to the console) settles it.
 */
export function decodeQemuExit(
  status: number,
  qemuFailed = false,
): DecodedExit {
  if (status === 0) return { kind: 'poweroff', appExitCode: 0 };
  if (status === 1 && qemuFailed) return { kind: 'qemu-error', appExitCode: 1 };
  if (status % 2 === 1) return { kind: 'app', appExitCode: (status - 1) / 2 };
  return { kind: 'unknown', appExitCode: status };
}
