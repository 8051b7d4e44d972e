import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { listNames, validateName } from '../../src/state/names.js';

describe('validateName', () => {
  it.each(['web', 'sf_console', 'web-1', 'a.b', 'A9'])('accepts %s', (n) => {
    expect(() => validateName('image', n)).not.toThrow();
  });

  it.each(['', '-x', '.hidden', 'a/b', 'a b', '..', 'x'.repeat(64), 'a..b'])(
    'rejects %j naming the value and the flag',
    (n) => {
      let err: unknown;
      try {
        validateName('instance', n);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toContain(`"${n}"`);
      expect((err as UserError).hint).toContain('--instance-name');
    },
  );

  it('lists names for errors', () => {
    expect(listNames([])).toBe('none');
    expect(listNames(['b', 'a'])).toBe('a, b');
  });
});
