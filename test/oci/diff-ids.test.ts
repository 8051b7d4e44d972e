// Every layer's tar is checked against the config's rootfs.diff_ids, from
// a registry, an OCI layout and a docker archive alike.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../src/log.js';
import {
  writeDockerArchive,
  writeLayer,
  writeOciLayout,
  type PlatformImage,
} from '../../src/oci/image-writer.js';
import { pushLayout } from '../../src/oci/push.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import { packageFromDocker } from '../../src/pkg/from-docker.js';
import { fakeStaticElf, helloImage } from '../fixtures/oci/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const WRONG = `sha256:${'0'.repeat(64)}`;

let dir: string;
let registry: TestRegistry | undefined;
let image: PlatformImage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-diffids-'));
  registry = await startRegistry();
  // The second layer's diff_id is wrong; the first one's is right.
  const base = helloImage(fakeStaticElf(62), { Cmd: ['hello'] });
  const second = [{ type: 'file' as const, path: 'etc/x', data: 'x\n' }];
  const first = await writeLayer(join(dir, 'probe'), base.layers[0]!);
  image = {
    ...base,
    layers: [...base.layers, second],
    diffIds: [first.diffId, WRONG],
  };
});
afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function fromDocker(source: string) {
  const home = join(dir, `home-${n++}`);
  return packageFromDocker({
    source,
    cwd: dir,
    name: 'app',
    arch: 'amd64',
    dockerConfigPath: join(home, 'none.json'),
    paths: {
      cacheDir: join(home, 'cache'),
      dataDir: join(home, 'data'),
      stateDir: join(home, 'state'),
    },
    logger: new RecordingLogger(),
  });
}

const mismatch = {
  code: 'LAYER_DIFF_ID_MISMATCH',
  message: expect.stringMatching(
    new RegExp(
      '^layer 2/2 \\(sha256:[0-9a-f]{12}\\): its tar hashes to ' +
        `sha256:[0-9a-f]{64}, but the image config lists ${WRONG} for it`,
    ),
  ),
};

describe('a layer that is not its diff_id', () => {
  it('is refused from an OCI layout', async () => {
    await writeOciLayout(join(dir, 'layout'), 'v1', [image]);
    await expect(fromDocker(`oci:${join(dir, 'layout')}:v1`)).rejects.toThrow(
      expect.objectContaining(mismatch),
    );
  });

  it('is refused from a docker archive', async () => {
    const tar = join(dir, 'image.tar');
    await writeDockerArchive(tar, 'tools/app:v1', image);
    await expect(fromDocker(`docker-archive:${tar}`)).rejects.toThrow(
      expect.objectContaining(mismatch),
    );
  });

  it('is refused from a registry', async (t) => {
    if (!registry) return t.skip();
    const layout = join(dir, 'pushed');
    await writeOciLayout(layout, 'v1', [image]);
    const client = new RegistryClient({
      registry: registry.host,
      repository: 'tools/app',
      insecure: true,
      actions: 'pull,push',
      logger: new RecordingLogger(),
    });
    await pushLayout(client, layout, 'v1');
    await expect(fromDocker(`${registry.host}/tools/app:v1`)).rejects.toThrow(
      expect.objectContaining(mismatch),
    );
  });

  it('counts: one diff_id per layer', async () => {
    const short = { ...image, diffIds: [WRONG] };
    await writeOciLayout(join(dir, 'short'), 'v1', [short]);
    await expect(fromDocker(`oci:${join(dir, 'short')}:v1`)).rejects.toThrow(
      expect.objectContaining({
        code: 'IMAGE_CONFIG_INVALID',
        message: expect.stringContaining(
          'the image config lists 1 layer digests (rootfs.diff_ids) for 2 ' +
            'layers',
        ),
      }),
    );
  });
});

describe('a layer blob changed on disk', () => {
  it('is a digest mismatch, not a broken tar', async () => {
    const good = helloImage(fakeStaticElf(62), { Cmd: ['hello'] });
    const layout = join(dir, 'flipped');
    await writeOciLayout(layout, 'v1', [good]);
    const layer = await writeLayer(join(dir, 'probe2'), good.layers[0]!);
    const blob = join(layout, 'blobs', 'sha256', layer.digest.slice(7));
    const bytes = await readFile(blob);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(blob, bytes);
    await expect(fromDocker(`oci:${layout}:v1`)).rejects.toThrow(
      expect.objectContaining({
        code: 'DIGEST_MISMATCH',
        message: expect.stringContaining(`blob ${layer.digest}`),
      }),
    );
  });
});
