// EBS direct API checksums: SHA-256 per 512 KiB block and the LINEAR
// aggregate (SHA-256 over the raw block digests in block-index order,
// peers-and-clouds.md §3.2 and §8).
import { createHash } from 'node:crypto';

/** The only block size EBS direct APIs accept. */
export const EBS_BLOCK_BYTES = 512 * 1024;

const ZERO_BLOCK = Buffer.alloc(EBS_BLOCK_BYTES);

/** The raw 32-byte SHA-256 of one block. */
export function blockDigest(block: Uint8Array): Buffer {
  return createHash('sha256').update(block).digest();
}

/** True when every byte is zero: such blocks are not uploaded. */
export function isZeroBlock(block: Buffer): boolean {
  if (block.length === EBS_BLOCK_BYTES) return block.equals(ZERO_BLOCK);
  return block.equals(ZERO_BLOCK.subarray(0, block.length));
}

/**
 * The aggregate checksum CompleteSnapshot expects with
 * ChecksumAggregationMethod LINEAR: base64 SHA-256 of the concatenated raw
 * digests of the blocks written, sorted by block index.
 */
export function linearChecksum(digests: ReadonlyMap<number, Buffer>): string {
  const hash = createHash('sha256');
  const indexes = [...digests.keys()].sort((a, b) => a - b);
  for (const index of indexes) hash.update(digests.get(index) as Buffer);
  return hash.digest('base64');
}
