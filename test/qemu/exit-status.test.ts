import { describe, expect, it } from 'vitest';
import { decodeQemuExit } from '../../src/qemu/exit-status.js';

describe('decodeQemuExit', () => {
  it('decodes (code << 1) | 1 from isa-debug-exit', () => {
    expect(decodeQemuExit(7)).toEqual({ kind: 'app', appExitCode: 3 });
    expect(decodeQemuExit(1)).toEqual({ kind: 'app', appExitCode: 0 });
    expect(decodeQemuExit(255)).toEqual({ kind: 'app', appExitCode: 127 });
  });

  it('treats 0 as a power-off and status 1 with a QEMU error as failure', () => {
    expect(decodeQemuExit(0).kind).toBe('poweroff');
    expect(decodeQemuExit(1, true).kind).toBe('qemu-error');
    expect(decodeQemuExit(4).kind).toBe('unknown');
  });
});
