import { describe, expect, it } from 'vitest';
import { runSize } from '../../src/config/resolve-run.js';

describe('runSize', () => {
  it('takes each value from the first layer that sets it', () => {
    const flags = { memoryBytes: 1 << 30 };
    const image = { cpus: 2, memoryBytes: 256 << 20 };
    expect(runSize(flags, image)).toEqual({ cpus: 2, memoryBytes: 1 << 30 });
    expect(runSize({}, image)).toEqual(image);
    expect(runSize({ cpus: 4 }, undefined, image)).toEqual({
      cpus: 4,
      memoryBytes: 256 << 20,
    });
  });

  it('falls back on 1 CPU and 512 MiB', () => {
    expect(runSize({}, {})).toEqual({ cpus: 1, memoryBytes: 512 << 20 });
  });
});
