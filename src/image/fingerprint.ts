// A fingerprint of file data for deriving image UUIDs.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

/**
 * Not a security hash: it only has to make "different content, different
 * UUID" hold. CRC-32 runs at several GB/s where this machine class hashes
 * SHA-256 at ~500 MB/s, which would dominate the copy. Falls back to
 * SHA-256 where zlib.crc32 is missing (Node < 20.15).
 */
export class Fingerprint {
  private crc = 0;
  private readonly sha =
    typeof zlib.crc32 === 'function' ? undefined : createHash('sha256');
  private bytes = 0;

  update(data: Uint8Array): void {
    this.bytes += data.length;
    if (this.sha) this.sha.update(data);
    else this.crc = zlib.crc32(data, this.crc);
  }

  digest(): Buffer {
    if (this.sha) return this.sha.digest();
    const out = Buffer.alloc(12);
    out.writeUInt32BE(this.crc >>> 0, 0);
    out.writeDoubleBE(this.bytes, 4);
    return out;
  }

  /** The fingerprint of one buffer. */
  static of(data: Uint8Array): Buffer {
    const f = new Fingerprint();
    f.update(data);
    return f.digest();
  }
}
