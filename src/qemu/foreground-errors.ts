// The errors of a foreground QEMU run, and the console tail they quote.
import { EnvironmentError, SkiffError } from '../errors.js';
import { guestMemoryHint } from './memory-hint.js';

/** The end of the console output, for an error about the guest. */
export class ConsoleTail {
  private text = '';

  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-4096);
  }

  lastLines(count: number): string[] {
    return this.text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-count);
  }
}

export function guestReset(lastLines: string[]): SkiffError {
  const said =
    lastLines.length > 0
      ? `its last console lines: ${lastLines.map((l) => `"${l}"`).join(', ')}`
      : 'it printed nothing';
  return new SkiffError(
    'VM_RESET',
    'the VM reset or powered off without reporting an exit code ' +
      `(the guest crashed?); ${said}`,
    {
      hint:
        'a page fault or "out of memory" needs more memory (-m 1g); ' +
        'run with -v for the kernel and QEMU output',
    },
  );
}

export function stoppedFromOutside(stderr: string): EnvironmentError {
  const line = /terminating on signal.*/.exec(stderr)?.[0] ?? 'a signal';
  return new EnvironmentError(
    'QEMU_KILLED',
    `QEMU was stopped from outside: ${line}`,
    { hint: 'something else on this host sent QEMU a signal' },
  );
}

/** QEMU ended before the guest ran; `memoryBytes` is what -m gave it. */
export function qemuFailure(
  stderr: string,
  memoryBytes?: number,
): EnvironmentError {
  const first = stderr.trim().split('\n')[0] ?? '';
  return new EnvironmentError('QEMU_FAILED', `QEMU failed: ${first}`, {
    hint:
      guestMemoryHint(stderr, memoryBytes, 'lower -m or RunConfig.Memory') ??
      'run with -v to see the QEMU command line and its output',
  });
}
