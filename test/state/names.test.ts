import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { SkiffError } from '../../src/errors.js';
import { checkResourceName } from '../../providers/gcp/settings.js';
import {
  defaultInstanceName,
  derivedImageName,
  listNames,
  validateName,
  withGeneratedName,
} from '../../src/state/names.js';

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

describe('derivedImageName', () => {
  it.each([
    ['php82', 'php82', 'php82'],
    ['tools/php', 'tools-php', 'tools-php'],
    ['my prog', 'my-prog', 'my-prog'],
    ['sf_console', 'sf_console', 'sf-console'],
    ['.hidden..x', 'hidden.x', 'hidden-x'],
    ['8.2-cli', '8.2-cli', 'cli'],
    ['///', 'image', 'image'],
    ['x'.repeat(80), 'x'.repeat(63), 'x'.repeat(63)],
  ])('makes %j a valid name (%s; on GCP %s)', (from, local, gcp) => {
    expect(derivedImageName(from, 'local')).toBe(local);
    expect(() => validateName('image', local)).not.toThrow();
    expect(derivedImageName(from, 'gcp')).toBe(gcp);
    expect(() => checkResourceName('image', gcp)).not.toThrow();
  });
});

describe('defaultInstanceName', () => {
  it('is the image name and a random suffix', () => {
    expect(defaultInstanceName('web', 'a1b2c3')).toBe('web-a1b2c3');
    expect(defaultInstanceName('web')).toMatch(/^web-[0-9a-f]{6}$/);
    expect(defaultInstanceName('web')).not.toBe(defaultInstanceName('web'));
  });

  it('cuts a long image name so the result is still valid', () => {
    for (const length of [56, 57, 60, 63]) {
      const name = defaultInstanceName('i'.repeat(length));
      expect(name).toHaveLength(Math.min(63, length + 7));
      expect(() => validateName('instance', name)).not.toThrow();
    }
  });
});

describe('withGeneratedName', () => {
  const taken = () =>
    new SkiffError('INSTANCE_EXISTS', 'an instance named "x" exists');

  it('tries a fresh name when the generated one is taken', async () => {
    const tried: string[] = [];
    const name = await withGeneratedName('web', async (n) => {
      tried.push(n);
      if (tried.length < 3) throw taken();
      return n;
    });
    expect(tried).toHaveLength(3);
    expect(new Set(tried).size).toBe(3);
    expect(name).toBe(tried[2]);
  });

  it('uses the name it is given first', async () => {
    const name = await withGeneratedName('web', async (n) => n, 'web-000000');
    expect(name).toBe('web-000000');
  });

  it('passes other errors on at once, and gives up after a few', async () => {
    let calls = 0;
    const other = withGeneratedName('web', async () => {
      calls++;
      throw new SkiffError('QEMU_FAILED', 'no');
    });
    await expect(other).rejects.toMatchObject({ code: 'QEMU_FAILED' });
    expect(calls).toBe(1);
    calls = 0;
    const always = withGeneratedName('web', async () => {
      calls++;
      throw taken();
    });
    await expect(always).rejects.toMatchObject({ code: 'INSTANCE_EXISTS' });
    expect(calls).toBe(5);
  });
});
