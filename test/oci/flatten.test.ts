import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { flattenLayers } from '../../src/oci/flatten.js';
import {
  writeOciLayout,
  type PlatformImage,
} from '../../src/oci/image-writer.js';
import { readOciLayout } from '../../src/oci/oci-layout.js';
import { linuxPlatform } from '../../src/oci/platform.js';
import {
  dotDotImage,
  layeredImage,
  symlinkEscapeImage,
} from '../fixtures/oci/images.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-flatten-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function flatten(img: PlatformImage, root = join(dir, 'root')) {
  await writeOciLayout(join(dir, 'layout'), 't', [img]);
  const local = await readOciLayout(
    join(dir, 'layout'),
    't',
    linuxPlatform('amd64'),
  );
  const stats = await flattenLayers(local.layers, root, new RecordingLogger());
  return { root, stats };
}

describe('flattenLayers', () => {
  it('applies whiteouts and opaque folders', async () => {
    const { root, stats } = await flatten(layeredImage());
    expect(readFileSync(join(root, 'etc/keep.conf'), 'utf8')).toBe('keep\n');
    expect(existsSync(join(root, 'etc/gone.conf'))).toBe(false);
    expect(existsSync(join(root, 'opt/app/old.txt'))).toBe(false);
    expect(existsSync(join(root, 'opt/app/sub'))).toBe(false);
    expect(readFileSync(join(root, 'opt/app/new.txt'), 'utf8')).toBe('new\n');
    expect(existsSync(join(root, 'var/cache'))).toBe(false);
    expect(existsSync(join(root, 'var'))).toBe(true);
    expect(stats.whiteouts).toBe(3);
  });

  it('hides only lower layers, wherever the marker sits in its layer', async () => {
    const { root } = await flatten({
      architecture: 'amd64',
      config: {},
      layers: [
        [
          { type: 'file', path: 'opt/app/sub/deep.txt', data: 'lower\n' },
          { type: 'file', path: 'etc/x.conf', data: 'lower\n' },
          { type: 'file', path: 'var/lib/old', data: 'lower\n' },
        ],
        [
          // The opaque marker after the children it must not hide.
          { type: 'file', path: 'opt/app/sub/new.txt', data: 'upper\n' },
          { type: 'file', path: 'opt/app/.wh..wh..opq', data: '' },
          // A whiteout after this layer's own file of that name.
          { type: 'file', path: 'etc/x.conf', data: 'upper\n' },
          { type: 'file', path: 'etc/.wh.x.conf', data: '' },
          { type: 'file', path: 'var/lib/new', data: 'upper\n' },
          { type: 'file', path: 'var/.wh.lib', data: '' },
        ],
      ],
    });
    expect(existsSync(join(root, 'opt/app/sub/deep.txt'))).toBe(false);
    expect(readFileSync(join(root, 'opt/app/sub/new.txt'), 'utf8')).toBe(
      'upper\n',
    );
    expect(readFileSync(join(root, 'etc/x.conf'), 'utf8')).toBe('upper\n');
    expect(existsSync(join(root, 'var/lib/old'))).toBe(false);
    expect(readFileSync(join(root, 'var/lib/new'), 'utf8')).toBe('upper\n');
  });

  it('keeps hard links as links and symlinks verbatim', async () => {
    const { root, stats } = await flatten(layeredImage());
    const a = lstatSync(join(root, 'data/original'));
    const b = lstatSync(join(root, 'data/hardlink'));
    const c = lstatSync(join(root, 'data/second-link'));
    expect(b.ino).toBe(a.ino);
    expect(c.ino).toBe(a.ino);
    expect(stats.hardlinks).toBe(2);
    expect(readlinkSync(join(root, 'usr/bin/c'))).toBe('b');
    expect(readlinkSync(join(root, 'usr/bin/b'))).toBe('/usr/lib/a');
  });

  it('refuses a ../ entry and writes nothing outside', async () => {
    const root = join(dir, 'nested', 'root');
    await expect(flatten(dotDotImage(), root)).rejects.toMatchObject({
      code: 'LAYER_PATH_ESCAPES',
      message: expect.stringContaining('"../escaped.txt"'),
    });
    expect(existsSync(join(dir, 'nested', 'escaped.txt'))).toBe(false);
    expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
  });

  it('resolves an absolute symlink inside the root, never on the host', async () => {
    const { root } = await flatten(symlinkEscapeImage(false));
    expect(existsSync('/tmp/skiff-escape-test.txt')).toBe(false);
    expect(readFileSync(join(root, 'tmp/skiff-escape-test.txt'), 'utf8')).toBe(
      'x\n',
    );
  });

  it('refuses a relative symlink that climbs out of the root', async () => {
    await expect(flatten(symlinkEscapeImage(true))).rejects.toMatchObject({
      code: 'LAYER_PATH_ESCAPES',
    });
    expect(existsSync('/tmp/skiff-escape-test.txt')).toBe(false);
    expect(existsSync(join(dir, 'tmp'))).toBe(false);
  });

  it('refuses a link through a missing folder that climbs out', async () => {
    const img: PlatformImage = {
      architecture: 'amd64',
      layers: [
        [{ type: 'symlink', path: 'a', target: 'gone/../../../../tmp' }],
        [{ type: 'file', path: 'a/skiff-escape-test-2.txt', data: 'x' }],
      ],
      config: {},
    };
    await expect(flatten(img)).rejects.toMatchObject({
      code: 'LAYER_PATH_ESCAPES',
    });
    expect(existsSync('/tmp/skiff-escape-test-2.txt')).toBe(false);
  });
});
