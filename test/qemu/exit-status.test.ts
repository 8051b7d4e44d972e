import { describe, expect, it } from 'vitest';
import { caughtSignal, decodeQemuExit } from '../../src/qemu/exit-status.js';

describe('decodeQemuExit', () => {
  it('decodes (code << 1) | 1 from isa-debug-exit', () => {
    expect(decodeQemuExit(7)).toEqual({ kind: 'app', appExitCode: 3 });
    expect(decodeQemuExit(1)).toEqual({ kind: 'app', appExitCode: 0 });
    expect(decodeQemuExit(255)).toEqual({ kind: 'app', appExitCode: 127 });
  });

  it('gets codes above 127 back less 128 (README: exit codes)', () => {
    const status = ((200 << 1) | 1) & 0xff;
    expect(decodeQemuExit(status).appExitCode).toBe(72);
  });

  it('treats 0 as a power-off and status 1 with a QEMU error as failure', () => {
    expect(decodeQemuExit(0).kind).toBe('poweroff');
    expect(decodeQemuExit(1, { qemuFailed: true }).kind).toBe('qemu-error');
    expect(decodeQemuExit(4).kind).toBe('unknown');
  });

  it('treats 0 with debug_exit as a reset, not as exit(0)', () => {
    expect(decodeQemuExit(0, { debugExit: true }).kind).toBe('reset');
  });

  it('treats 0 after "terminating on signal" as a signal', () => {
    const said = 'qemu-system-x86_64: terminating on signal 15 from pid 9\n';
    expect(caughtSignal(said)).toBe(15);
    expect(decodeQemuExit(0, { debugExit: true, qemuOutput: said }).kind).toBe(
      'signal',
    );
  });
});
