// Pushes one image of an OCI layout to a registry (blobs, then manifests,
// then the tag). Used by tests and benchmarks to publish fixtures.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex } from './digest.js';
import { parseManifest } from './manifest.js';
import { OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import type { RegistryClient } from './registry-client.js';

async function pushManifestTree(
  client: RegistryClient,
  layout: string,
  digest: string,
  mediaType: string | undefined,
  tag: string | undefined,
): Promise<void> {
  const path = join(layout, 'blobs', 'sha256', digestHex(digest));
  const bytes = await readFile(path);
  const parsed = parseManifest(bytes, digest, mediaType);
  if (parsed.kind === 'index') {
    for (const m of parsed.index.manifests) {
      await pushManifestTree(client, layout, m.digest, m.mediaType, undefined);
    }
  } else {
    const m = parsed.manifest;
    for (const d of [m.config, ...m.layers]) {
      await client.pushBlob(
        d.digest,
        join(layout, 'blobs', 'sha256', digestHex(d.digest)),
      );
    }
  }
  const type =
    mediaType ?? (parsed.kind === 'index' ? OCI_INDEX : OCI_MANIFEST);
  await client.putManifest(tag ?? digest, bytes, type);
}

/** Pushes the layout's only image under `tag`. */
export async function pushLayout(
  client: RegistryClient,
  layout: string,
  tag: string,
): Promise<void> {
  const index = JSON.parse(
    await readFile(join(layout, 'index.json'), 'utf8'),
  ) as {
    manifests: { digest: string; mediaType?: string }[];
  };
  const top = index.manifests[0];
  if (!top) throw new Error(`${layout}: empty index`);
  await pushManifestTree(client, layout, top.digest, top.mediaType, tag);
}
