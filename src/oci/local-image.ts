// An image whose blobs are all on the local disk: what a registry pull,
// a docker-archive tarball and an OCI layout folder each turn into.
import type { ImageConfig } from './manifest.js';

export interface LocalLayer {
  /** Digest of the blob as stored (compressed for registry layers). */
  digest: string;
  mediaType?: string | undefined;
  /** Path of the blob file: a tar, gzip'd or not. */
  path: string;
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
