import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../src/oci/blob-cache.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { deadPid, tempNameOf } from '../fixtures/oci/dead-pid.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-blobs-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('BlobCache', () => {
  it('removes partial blobs of killed runs, not those of live ones', async () => {
    const sha = join(dir, 'sha256');
    await mkdir(sha, { recursive: true });
    const killed = tempNameOf('blob', deadPid());
    const running = tempNameOf('blob', process.pid);
    const legacy = '.tmp-0123456789ab';
    for (const n of [killed, running, legacy]) {
      await writeFile(join(sha, n), 'partial');
    }
    const data = Buffer.from('blob bytes');
    const cache = new BlobCache(dir);
    await cache.write(sha256Digest(data), [data]);
    expect(existsSync(join(sha, killed))).toBe(false);
    expect(existsSync(join(sha, running))).toBe(true);
    // An older name format says nothing about its maker: kept for a day.
    expect(existsSync(join(sha, legacy))).toBe(true);
  });
});
