// Where Skiff keeps things: SKIFF_HOME and the XDG folders, relative ones
// made absolute against the current folder so state does not move with it.
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../src/paths.js';

describe('resolvePaths', () => {
  it('puts data and state under SKIFF_HOME, the cache apart', () => {
    expect(resolvePaths({ SKIFF_HOME: '/s' }, '/home/u')).toEqual({
      cacheDir: '/home/u/.cache/skiff',
      dataDir: '/s/data',
      stateDir: '/s/state',
    });
  });

  it('makes relative folders absolute against the current folder', () => {
    const env = { SKIFF_HOME: 'h', SKIFF_CACHE_DIR: '../c' };
    expect(resolvePaths(env, '/home/u', '/work/p')).toEqual({
      cacheDir: '/work/c',
      dataDir: '/work/p/h/data',
      stateDir: '/work/p/h/state',
    });
    const xdg = { XDG_STATE_HOME: 'st', XDG_DATA_HOME: '/d' };
    expect(resolvePaths(xdg, '/home/u', '/w')).toMatchObject({
      dataDir: '/d/skiff',
      stateDir: '/w/st/skiff',
    });
  });
});
