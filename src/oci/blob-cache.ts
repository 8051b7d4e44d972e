// The content-addressed blob store (cacheDir/blobs/sha256/<hex>): a blob
// lands there only after its bytes hashed to its digest, so a cached blob
// is trusted and a second pull needs no network.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describeFsError } from '../errors.js';
import { checkDigest, digestHex } from './digest.js';
import {
  ownedTempName,
  removeOnForcedExit,
  removeStaleTemps,
} from '../state/owned-temp.js';

export class BlobCache {
  private cleaned = false;

  constructor(readonly dir: string) {}

  path(digest: string): string {
    return join(this.dir, 'sha256', digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Writes a stream to a temp file, checks its digest, then renames it
   * into place. Returns the cached path. A failed check leaves nothing.
   */
  async write(
    digest: string,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    onBytes?: (n: number) => void,
  ): Promise<string> {
    const dest = this.path(digest);
    const dir = join(this.dir, 'sha256');
    const tmp = join(dir, ownedTempName('blob'));
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw describeFsError(err, 'creating the blob cache', dir);
    }
    if (!this.cleaned) {
      // Partial downloads of runs that were killed.
      this.cleaned = true;
      await removeStaleTemps(dir);
    }
    const hash = createHash('sha256');
    const forget = removeOnForcedExit(tmp);
    const out = createWriteStream(tmp);
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
        onBytes?.(chunk.byteLength);
      }
      out.end();
      await finished(out);
      checkDigest(digest, `sha256:${hash.digest('hex')}`, `blob ${digest}`);
      await rename(tmp, dest);
      return dest;
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      // The folder, not the temp file: a full disk is the cache's.
      throw describeFsError(err, 'downloading into the blob cache', this.dir);
    } finally {
      forget();
    }
  }
}
