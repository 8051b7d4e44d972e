import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/config/size.js';

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['4096', 4096],
    ['150m', 150 * 1024 ** 2],
    ['150M', 150 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['2G', 2 * 1024 ** 3],
    ['2GB', 2 * 1024 ** 3],
    ['2GiB', 2 * 1024 ** 3],
    ['512k', 512 * 1024],
    ['1t', 1024 ** 4],
    ['1.5g', 1.5 * 1024 ** 3],
    [' 64 mb ', 64 * 1024 ** 2],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['abc', '', 'g', '-1m', '1x', '1.g', '2 gigs'])(
    'rejects %j naming it',
    (text) => {
      expect(() => parseSize(text)).toThrow(`"${text}" is not a size`);
    },
  );
});
