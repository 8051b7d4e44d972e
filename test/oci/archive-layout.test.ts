import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { readDockerArchive } from '../../src/oci/docker-archive.js';
import { flattenLayers } from '../../src/oci/flatten.js';
import {
  writeDockerArchive,
  writeOciLayout,
} from '../../src/oci/image-writer.js';
import { readOciLayout } from '../../src/oci/oci-layout.js';
import { linuxPlatform } from '../../src/oci/platform.js';
import {
  writeDocker25Archive,
  writeLegacyArchive,
} from '../fixtures/oci/archives.js';
import { layeredImage } from '../fixtures/oci/images.js';

function hasSkopeo(): boolean {
  try {
    execFileSync('skopeo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The flattened tree's keep.conf and the hard-linked file. */
async function flattenedText(
  layers: Awaited<ReturnType<typeof readDockerArchive>>['layers'],
  root: string,
) {
  await flattenLayers(layers, root, new RecordingLogger());
  return [
    readFileSync(join(root, 'etc/keep.conf'), 'utf8'),
    readFileSync(join(root, 'data/second-link'), 'utf8'),
  ];
}

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

  it('follows the layer.tar links of a legacy docker save', async () => {
    const tar = join(dir, 'legacy.tar');
    await writeLegacyArchive(tar, 'docker.io/tools/demo:1', layeredImage());
    const img = await readDockerArchive(tar, {
      workDir: join(dir, 'w'),
      ref: 'tools/demo:1',
      platform: amd64,
    });
    expect(img.layers.map((l) => l.digest)).toEqual(
      img.config.rootfs?.diff_ids,
    );
    expect(await flattenedText(img.layers, join(dir, 'root'))).toEqual([
      'keep\n',
      'linked content\n',
    ]);
  });

  it('reads a Docker 25 archive with compressed blobs', async () => {
    const tar = join(dir, 'd25.tar');
    await writeDocker25Archive(tar, 'tools/demo:1', layeredImage());
    const img = await readDockerArchive(tar, {
      workDir: join(dir, 'w'),
      platform: amd64,
    });
    expect(img.layers).toHaveLength(2);
    // Blob digests (compressed), not the diff_ids of the tars inside.
    expect(img.layers[0]!.digest).not.toBe(img.config.rootfs?.diff_ids?.[0]);
    expect(await flattenedText(img.layers, join(dir, 'root'))).toEqual([
      'keep\n',
      'linked content\n',
    ]);
  });

  it('rejects a compressed layer whose tar is not its diff_id', async () => {
    const tar = join(dir, 'd25.tar');
    await writeDocker25Archive(tar, 'tools/demo:1', layeredImage(), {
      reverseLayers: true,
    });
    const img = await readDockerArchive(tar, {
      workDir: join(dir, 'w'),
      platform: amd64,
    });
    await expect(
      flattenLayers(img.layers, join(dir, 'root'), new RecordingLogger()),
    ).rejects.toMatchObject({
      code: 'LAYER_DIFF_ID_MISMATCH',
      message: expect.stringMatching(/^layer 1\/2 \(sha256:/),
    });
  });

  it.skipIf(!hasSkopeo())('reads an archive skopeo wrote', async () => {
    const layout = join(dir, 'layout');
    const img = layeredImage();
    // A layer twice: skopeo stores it once and links the second.
    img.layers.push(img.layers[0]!);
    await writeOciLayout(layout, 'v1', [img]);
    const tar = join(dir, 'skopeo.tar');
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      `oci:${layout}:v1`,
      `docker-archive:${tar}:tools/demo:v1`,
    ]);
    const got = await readDockerArchive(tar, {
      workDir: join(dir, 'w'),
      ref: 'tools/demo:v1',
      platform: amd64,
    });
    expect(got.layers).toHaveLength(3);
    expect(got.layers.map((l) => l.digest)).toEqual(
      got.config.rootfs?.diff_ids,
    );
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
    ).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: expect.stringContaining('(it has: demo:1)'),
    });
  });

  it('lists the images of an archive that holds several', async () => {
    const tar = join(dir, 'img.tar');
    await writeDockerArchive(tar, 'demo:1', layeredImage());
    const x = join(dir, 'x');
    execFileSync('mkdir', [x]);
    execFileSync('tar', ['-xf', tar, '-C', x]);
    const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
    manifest.push({ ...manifest[0], RepoTags: ['demo:2', 'other:3'] });
    manifest.push({ ...manifest[0], RepoTags: null });
    writeFileSync(join(x, 'manifest.json'), JSON.stringify(manifest));
    const many = join(dir, 'many.tar');
    execFileSync('tar', ['-cf', many, '-C', x, '.']);
    await expect(
      readDockerArchive(many, { workDir: join(dir, 'w'), platform: amd64 }),
    ).rejects.toMatchObject({
      code: 'ARCHIVE_AMBIGUOUS',
      message: `${many} holds 3 images: demo:1, demo:2, other:3, 1 untagged`,
    });
    const picked = await readDockerArchive(many, {
      workDir: join(dir, 'w2'),
      ref: 'other:3',
      platform: amd64,
    });
    expect(picked.name).toBe('other:3');
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

  it('names a file that is not a tar at all, with the fix', async () => {
    const text = join(dir, 'passwd');
    writeFileSync(text, 'root:x:0:0:root:/root:/bin/bash\n'.repeat(40));
    await expect(
      readDockerArchive(text, { workDir: join(dir, 'w'), platform: amd64 }),
    ).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: expect.stringMatching(
        new RegExp(`^${text} is not a docker archive: not a readable tar`),
      ),
      hint: expect.stringContaining('docker save IMAGE -o FILE.tar'),
    });
    const bad = join(dir, 'bad.tar.gz');
    writeFileSync(bad, gzipSync(Buffer.from('not a tar, but gzip')));
    await expect(
      readDockerArchive(bad, { workDir: join(dir, 'w2'), platform: amd64 }),
    ).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: expect.stringContaining(`${bad} is not a docker archive`),
    });
    await expect(
      readDockerArchive(dir, { workDir: join(dir, 'w3'), platform: amd64 }),
    ).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      message: `${dir} is a folder, not a docker archive`,
      hint: expect.stringContaining('oci:DIR'),
    });
  });

  it('reads a gzip-compressed docker save, as docker load does', async () => {
    const tar = join(dir, 'img.tar');
    await writeDockerArchive(tar, 'demo:1', layeredImage());
    const gz = join(dir, 'img.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(tar)));
    const img = await readDockerArchive(gz, {
      workDir: join(dir, 'w'),
      platform: amd64,
    });
    expect(img.layers.map((l) => l.digest)).toEqual(
      img.config.rootfs?.diff_ids,
    );
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

  it('lists the images of a layout that holds several', async () => {
    await writeOciLayout(join(dir, 'l'), 'v1', [layeredImage()]);
    const indexPath = join(dir, 'l', 'index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8'));
    const [first] = index.manifests;
    index.manifests.push({
      ...first,
      annotations: { 'org.opencontainers.image.ref.name': 'v2' },
    });
    writeFileSync(indexPath, JSON.stringify(index));
    await expect(
      readOciLayout(join(dir, 'l'), undefined, amd64),
    ).rejects.toMatchObject({
      code: 'LAYOUT_AMBIGUOUS',
      message: `${join(dir, 'l')} holds 2 images: v1, v2`,
    });
  });

  it('rejects a blob that was changed on disk', async () => {
    await writeOciLayout(join(dir, 'l'), 'v1', [layeredImage()]);
    const img = await readOciLayout(join(dir, 'l'), 'v1', amd64);
    const layer = img.layers[0]!;
    // Still a readable layer, of other bytes: only the digest tells.
    writeFileSync(layer.path, gzipSync(readFileSync(img.layers[1]!.path)));
    await expect(
      flattenLayers(img.layers, join(dir, 'root'), new RecordingLogger()),
    ).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: expect.stringContaining(`layer 1/2 (`),
    });
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
