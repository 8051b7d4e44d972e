// An image whose blobs are all on the local disk: what a registry pull,
// a docker-archive tarball and an OCI layout folder each turn into.
import { UserError } from '../errors.js';
import type { ImageConfig } from './manifest.js';

export interface LocalLayer {
  /** Digest of the blob as stored (compressed for registry layers). */
  digest: string;
  mediaType?: string | undefined;
  /** Path of the blob file: a tar, gzip'd or not. */
  path: string;
  /**
   * The config's rootfs.diff_ids entry: the digest of the tar inside,
   * checked while the layer is flattened.
   */
  diffId?: string | undefined;
  /** The blob is not checked against `digest` yet: flatten does it. */
  checkDigest?: boolean;
  /** How messages name it, instead of `layer 2/3 (sha256:1a2b3c4d5e6f)`. */
  label?: string;
}

export interface LocalImage {
  /** For messages: the reference or file it came from. */
  source: string;
  /** The name the source gives it (a docker archive's RepoTag). */
  name?: string;
  config: ImageConfig;
  configDigest: string;
  /** Bottom layer first. */
  layers: LocalLayer[];
}

/**
 * The config's diff_ids, one per layer (as Docker requires), for the
 * layers to be checked against while they are flattened.
 */
export function layerDiffIds(
  config: ImageConfig,
  layerCount: number,
  what: string,
): string[] {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length === layerCount) return diffIds;
  throw new UserError(
    'IMAGE_CONFIG_INVALID',
    `${what}: the image config lists ${diffIds.length} layer digests ` +
      `(rootfs.diff_ids) for ${layerCount} layers`,
    { hint: 'the image is corrupt; pull or save it again' },
  );
}
