import { readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDockerArchive } from '../../src/oci/docker-archive.js';
import {
  writeDockerArchive,
  writeOciLayout,
} from '../../src/oci/image-writer.js';
import { readOciLayout } from '../../src/oci/oci-layout.js';
import { linuxPlatform } from '../../src/oci/platform.js';
import { layeredImage } from '../fixtures/oci/images.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-archive-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const amd64 = linuxPlatform('amd64');

describe('readDockerArchive', () => {
  it('reads config and layers, checked against diff_ids', async () => {
    const tar = join(dir, 'img.tar');
    await writeDockerArchive(tar, 'demo:1', layeredImage());
    const img = await readDockerArchive(tar, {
      workDir: join(dir, 'w1'),
      platform: amd64,
    });
    expect(img.layers).toHaveLength(2);
    expect(img.layers.map((l) => l.digest)).toEqual(
      img.config.rootfs?.diff_ids,
    );
    const byTag = await readDockerArchive(tar, {
      workDir: join(dir, 'w2'),
      ref: 'demo:1',
      platform: amd64,
    });
    expect(byTag.configDigest).toBe(img.configDigest);
  });

  it('names a tag the archive does not hold', async () => {
    const tar = join(dir, 'img.tar');
    await writeDockerArchive(tar, 'demo:1', layeredImage());
    await expect(
      readDockerArchive(tar, {
        workDir: join(dir, 'w'),
        ref: 'demo:2',
        platform: amd64,
      }),
    ).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  });

  it('refuses an image of another architecture, naming --arch', async () => {
    const tar = join(dir, 'img.tar');
    await writeDockerArchive(tar, 'demo:1', layeredImage());
    await expect(
      readDockerArchive(tar, {
        workDir: join(dir, 'w'),
        platform: linuxPlatform('arm64'),
      }),
    ).rejects.toMatchObject({
      code: 'PLATFORM_MISMATCH',
      hint: expect.stringContaining('--arch amd64'),
    });
  });

  it('says what a file that is no docker archive lacks', async () => {
    const tar = join(dir, 'not.tar');
    writeFileSync(tar, Buffer.alloc(1024));
    await expect(
      readDockerArchive(tar, { workDir: join(dir, 'w'), platform: amd64 }),
    ).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
  });
});

describe('readOciLayout', () => {
  it('lists the names it has when the one asked for is missing', async () => {
    await writeOciLayout(join(dir, 'l'), 'v1', [layeredImage()]);
    await expect(
      readOciLayout(join(dir, 'l'), 'v9', amd64),
    ).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: expect.stringContaining('(it has: v1)'),
    });
  });

  it('rejects a blob that was changed on disk', async () => {
    await writeOciLayout(join(dir, 'l'), 'v1', [layeredImage()]);
    const img = await readOciLayout(join(dir, 'l'), 'v1', amd64);
    writeFileSync(img.layers[0]!.path, 'tampered');
    await expect(
      readOciLayout(join(dir, 'l'), 'v1', amd64),
    ).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(readdirSync(join(dir, 'l'))).toContain('index.json');
  });

  it('names the platforms a multi-platform index has', async () => {
    const arm = { ...layeredImage(), architecture: 'arm64', variant: 'v8' };
    const amd = layeredImage();
    await writeOciLayout(join(dir, 'l'), 'v1', [arm, amd]);
    const other = { os: 'linux', architecture: 's390x' };
    await expect(
      readOciLayout(join(dir, 'l'), 'v1', other),
    ).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: expect.stringContaining('linux/arm64/v8, linux/amd64'),
    });
  });
});
