// Reads an OCI image layout folder (oci-layout, index.json, blobs/):
// picks the manifest by its ref.name annotation and the platform, and
// checks each blob against its digest.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describeFsError, errnoCode, UserError } from '../errors.js';
import { checkDigest, digestHex } from './digest.js';
import type { LocalImage } from './local-image.js';
import {
  parseImageConfig,
  parseManifest,
  type Descriptor,
  type ImageIndex,
} from './manifest.js';
import { selectPlatform, type Platform } from './platform.js';
import { checkPlatform } from './pull.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

function blobPath(dir: string, digest: string): string {
  return join(dir, 'blobs', 'sha256', digestHex(digest));
}

async function readVerified(dir: string, digest: string): Promise<Buffer> {
  const bytes = await readFile(blobPath(dir, digest));
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  checkDigest(digest, actual, `${dir}: blob ${digest}`);
  return bytes;
}

async function verifyFile(dir: string, digest: string): Promise<string> {
  const path = blobPath(dir, digest);
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  checkDigest(digest, `sha256:${hash.digest('hex')}`, `${dir}: blob ${digest}`);
  return path;
}

function pickByRef(
  index: ImageIndex,
  ref: string | undefined,
  dir: string,
): Descriptor {
  if (ref) {
    const hit = index.manifests.find((m) => m.annotations?.[REF_NAME] === ref);
    if (!hit) {
      const names = index.manifests
        .map((m) => m.annotations?.[REF_NAME])
        .filter(Boolean);
      throw new UserError(
        'IMAGE_NOT_FOUND',
        `${dir} has no image named "${ref}" (it has: ${names.join(', ') || 'none'})`,
        { hint: 'write oci:PATH:NAME with one of those names' },
      );
    }
    return hit;
  }
  if (index.manifests.length !== 1) {
    const names = index.manifests.map(
      (m) => m.annotations?.[REF_NAME] ?? `(unnamed ${m.digest.slice(0, 19)})`,
    );
    throw new UserError(
      'LAYOUT_AMBIGUOUS',
      `${dir} holds ${index.manifests.length} images: ${names.join(', ')}`,
      { hint: 'name one: oci:PATH:NAME' },
    );
  }
  return index.manifests[0]!;
}

export async function readOciLayout(
  dir: string,
  ref: string | undefined,
  platform: Platform,
): Promise<LocalImage> {
  let indexBytes: Buffer;
  try {
    indexBytes = await readFile(join(dir, 'index.json'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new UserError(
        'LAYOUT_INVALID',
        `${dir} is not an OCI layout (no index.json)`,
        { hint: 'create one with `skopeo copy docker://IMAGE oci:DIR:TAG`' },
      );
    }
    throw describeFsError(err, 'reading OCI layout', dir);
  }
  const top = parseManifest(indexBytes, `${dir}/index.json`);
  if (top.kind !== 'index') {
    throw new UserError('LAYOUT_INVALID', `${dir}/index.json is not an index`);
  }
  let desc = pickByRef(top.index, ref, dir);
  let parsed = parseManifest(
    await readVerified(dir, desc.digest),
    `${dir}: manifest ${desc.digest}`,
    desc.mediaType,
  );
  if (parsed.kind === 'index') {
    desc = selectPlatform(parsed.index, platform, dir);
    parsed = parseManifest(
      await readVerified(dir, desc.digest),
      `${dir}: manifest ${desc.digest}`,
      desc.mediaType,
    );
  }
  if (parsed.kind !== 'manifest') {
    throw new UserError('OCI_NESTED_INDEX', `${dir}: nested index`);
  }
  const m = parsed.manifest;
  const config = parseImageConfig(
    await readVerified(dir, m.config.digest),
    `${dir}: config`,
  );
  checkPlatform(config, platform, dir);
  const layers = [];
  for (const l of m.layers) {
    layers.push({
      digest: l.digest,
      mediaType: l.mediaType,
      path: await verifyFile(dir, l.digest),
    });
  }
  return { source: dir, config, configDigest: m.config.digest, layers };
}
