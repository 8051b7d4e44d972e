import { describe, expect, it } from 'vitest';
import { applyFlags } from '../../src/config/flags.js';
import { MIN_MEMORY_BYTES } from '../../src/config/memory.js';
import { validateConfig } from '../../src/config/validate.js';

describe('guest memory minimum', () => {
  it('rejects -m below 32m naming the value and the minimum', () => {
    for (const m of ['1', '1m', '4m', '31m']) {
      expect(() => applyFlags({}, { memory: m })).toThrow(
        `-m/--memory: "${m}" is below the minimum guest memory of 32m`,
      );
    }
    expect(applyFlags({}, { memory: '32m' }).RunConfig!.Memory).toBe('32m');
  });

  it('rejects RunConfig.Memory below the minimum with its key path', () => {
    expect(() =>
      validateConfig({ RunConfig: { Memory: '8m' } }, 'config.json'),
    ).toThrow(
      'config.json: RunConfig.Memory: "8m" is below the minimum guest ' +
        'memory of 32m',
    );
    expect(() =>
      validateConfig({ RunConfig: { Memory: '1g' } }, 'config.json'),
    ).not.toThrow();
  });

  it('still reports a malformed size as not a size', () => {
    expect(() =>
      validateConfig({ RunConfig: { Memory: '2x' } }, 'config.json'),
    ).toThrow('"2x" is not a size');
    expect(MIN_MEMORY_BYTES).toBe(32 * 1024 * 1024);
  });
});
