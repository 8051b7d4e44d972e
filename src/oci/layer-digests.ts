// A layer's digests, taken while flatten reads it (so it is read once):
// the blob as stored, when no one has checked it yet, and the tar inside,
// which must be the diff_id the image config lists for the layer.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { checkDigest } from './digest.js';
import { openLayerTar, tapChunks } from './layer-stream.js';
import type { LocalLayer } from './local-image.js';

export class LayerDigests {
  private readonly blob: Hash | undefined;
  private readonly tar: Hash | undefined;

  constructor(
    private readonly layer: LocalLayer,
    private readonly where: string,
  ) {
    this.blob = layer.checkDigest ? createHash('sha256') : undefined;
    this.tar = layer.diffId ? createHash('sha256') : undefined;
  }

  /** Called with each chunk of the blob file, as read from disk. */
  readonly onBlobChunk = (chunk: Buffer): void => {
    this.blob?.update(chunk);
  };

  /** Called with each chunk of the tar inside, as it is read. */
  readonly onTarChunk = (chunk: Buffer): void => {
    this.tar?.update(chunk);
  };

  /** Once the layer has been read whole: both digests as expected. */
  check(): void {
    this.checkBlob();
    this.checkTar();
  }

  /** The blob as stored hashes to its digest (when it is to be checked). */
  private checkBlob(): void {
    const { layer, where } = this;
    if (!this.blob) return;
    const actual = `sha256:${this.blob.digest('hex')}`;
    checkDigest(layer.digest, actual, `${where}: blob ${layer.digest}`);
  }

  private checkTar(): void {
    const { layer, where } = this;
    if (this.tar && layer.diffId) {
      const actual = `sha256:${this.tar.digest('hex')}`;
      if (actual === layer.diffId) return;
      throw new UserError(
        'LAYER_DIFF_ID_MISMATCH',
        `${where}: its tar hashes to ${actual}, but the image config ` +
          `lists ${layer.diffId} for it (rootfs.diff_ids)`,
        {
          hint:
            'the image is corrupt, or its config or layers were changed: ' +
            'pull or save it again',
        },
      );
    }
  }

  /**
   * After the layer could not be applied (a bad tar, a link to nowhere):
   * reads it again whole, so that a layer that is not the one the image
   * names is reported as such, the first error as its cause. Only on
   * that path is a layer read twice.
   */
  async checkAfter(err: unknown): Promise<void> {
    const again = new LayerDigests(this.layer, this.where);
    const sink = () => new Writable({ write: (_c, _e, done) => done() });
    const withCause = (mismatch: unknown) => {
      if (mismatch instanceof Error) mismatch.cause ??= err;
      return mismatch;
    };
    // The blob first: a corrupt blob (one flipped byte) also breaks its
    // gzip stream, and is a digest mismatch, not a bad tar.
    if (again.blob) {
      const read = await pipeline(
        createReadStream(this.layer.path),
        tapChunks(again.onBlobChunk),
        sink(),
      ).then(
        () => true,
        () => false,
      );
      if (!read) return; // cannot be read whole: its first error stands
      try {
        again.checkBlob();
      } catch (mismatch) {
        throw withCause(mismatch);
      }
    }
    try {
      if (again.tar) {
        const tar = await openLayerTar(this.layer.path);
        await pipeline(tar, tapChunks(again.onTarChunk), sink());
      }
    } catch {
      return; // the layer cannot be read whole: its first error stands
    }
    try {
      again.checkTar();
    } catch (mismatch) {
      throw withCause(mismatch);
    }
  }
}
