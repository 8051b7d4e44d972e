// pkg from-docker on a full disk (a small tmpfs; root only, else
// skipped) names the folder that is full, the package store or the blob
// cache, and the fix, instead of a bare ENOSPC; it leaves no temp folder.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import { BlobCache } from '../../src/oci/blob-cache.js';
import { sha256Digest } from '../../src/oci/digest.js';
import {
  writeDockerArchive,
  writeOciLayout,
} from '../../src/oci/image-writer.js';
import { packageFromDocker } from '../../src/pkg/from-docker.js';
import { tryMountTmpfs, unmount } from '../helpers/full-disk.js';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';

let outer: string;
let small: string | undefined;
beforeEach(async () => {
  outer = await mkdtemp(join(tmpdir(), 'skiff-pkg-full-'));
  const dir = join(outer, 'small');
  await mkdir(dir);
  small = tryMountTmpfs(dir, 'size=1m') ? dir : undefined;
});
afterEach(async () => {
  if (small) unmount(small);
  await rm(outer, { recursive: true, force: true });
});

const noMount = 'cannot mount a tmpfs here (needs root)';

/** An image with 3 MiB that do not compress: more than the disk holds. */
const bigImage = () =>
  helloImage(fakeStaticElf(62), { Cmd: ['hello'] }, [
    { type: 'file', path: 'srv/big.bin', data: randomBytes(3 << 20) },
  ]);

function fromDocker(source: string) {
  return packageFromDocker({
    source,
    cwd: outer,
    name: 'app',
    arch: 'amd64',
    dockerConfigPath: join(outer, 'no-docker-config.json'),
    paths: {
      cacheDir: join(outer, 'cache'),
      dataDir: small!,
      stateDir: join(outer, 'state'),
    },
    logger: new RecordingLogger(),
  });
}

describe('pkg from-docker with the package store on a full disk', () => {
  it.for(['oci', 'docker-archive'])(
    'names the store and the fix (%s)',
    async (kind, t) => {
      if (!small) return t.skip(noMount);
      const source =
        kind === 'oci'
          ? `oci:${join(outer, 'layout')}:v1`
          : `docker-archive:${join(outer, 'app.tar')}`;
      if (kind === 'oci') {
        await writeOciLayout(join(outer, 'layout'), 'v1', [bigImage()]);
      } else {
        await writeDockerArchive(join(outer, 'app.tar'), 'app:v1', bigImage());
      }
      const store = join(small, 'packages', 'amd64');
      await expect(fromDocker(source)).rejects.toMatchObject({
        code: 'DISK_FULL',
        message:
          `making a package of ${source}: no space left for ` +
          `the package store ${store}`,
        hint: expect.stringContaining('SKIFF_HOME'),
      });
      expect(await readdir(store)).toEqual([]);
    },
  );
});

describe('the blob cache on a full disk', () => {
  it('names the cache folder, not its temp file', async (t) => {
    if (!small) return t.skip(noMount);
    const data = randomBytes(3 << 20);
    const cache = new BlobCache(join(small, 'blobs'));
    await expect(cache.write(sha256Digest(data), [data])).rejects.toMatchObject(
      {
        code: 'DISK_FULL',
        message: `downloading into the blob cache: no space left for ${cache.dir}`,
        hint: expect.stringContaining('SKIFF_CACHE_DIR'),
      },
    );
  });
});
