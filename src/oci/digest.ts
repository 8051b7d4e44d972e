// Content digests: parsing, hashing, and the check every blob goes through.
import { createHash } from 'node:crypto';
import { SkiffError, UserError } from '../errors.js';

const SHA256 = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a sha256 digest; throws on other algorithms. */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m?.[1]) {
    throw new UserError(
      'DIGEST_UNSUPPORTED',
      `unsupported or malformed digest "${digest}"`,
      { hint: 'only sha256 digests are supported' },
    );
  }
  return m[1];
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Fails when content does not hash to the digest its reference named. */
export function checkDigest(
  expected: string,
  actual: string,
  what: string,
): void {
  if (expected !== actual) {
    throw new SkiffError(
      'DIGEST_MISMATCH',
      `${what}: content hashes to ${actual}, expected ${expected}`,
      { hint: 'the source is corrupt or was changed; pull again' },
    );
  }
}
