// Reads an OCI image layout folder (oci-layout, index.json, blobs/):
// picks the manifest by its ref.name annotation and the platform, and
// checks each blob against its digest (layers as they are flattened).
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError, errnoCode, UserError } from '../errors.js';
import { checkDigest, digestHex } from './digest.js';
import {
  layerDiffIds,
  type LocalImage,
  type LocalLayer,
} from './local-image.js';
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

async function existingBlob(dir: string, digest: string): Promise<string> {
  const path = blobPath(dir, digest);
  const st = await stat(path).catch(() => undefined);
  if (st?.isFile()) return path;
  throw new UserError(
    'LAYOUT_INVALID',
    `${dir}: layer blob ${digest} is missing (no ${path})`,
    { hint: 'the layout is incomplete; copy it again' },
  );
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
  const diffIds = layerDiffIds(config, m.layers.length, dir);
  // Each blob is checked against its digest, and its tar against the
  // diff_id, while it is flattened: read once.
  const layers: LocalLayer[] = [];
  for (const [i, l] of m.layers.entries()) {
    layers.push({
      digest: l.digest,
      mediaType: l.mediaType,
      path: await existingBlob(dir, l.digest),
      diffId: diffIds[i],
      checkDigest: true,
    });
  }
  return { source: dir, config, configDigest: m.config.digest, layers };
}
