// Benchmark: pull + flatten of a ~100 MB image from a local
// docker-registry with Skiff's registry client, against
// `skopeo copy docker://... dir:...` (download only) in the same run.
// Needs docker-registry, skopeo and php-cli (for the image contents).
//   node bench/pkg-pull.mjs [runs]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'vite';

const RUNS = Number(process.argv[2] ?? 3);
const root = new URL('..', import.meta.url).pathname;
const vite = await createServer({
  root,
  server: { middlewareMode: true, hmr: false },
  appType: 'custom',
  logLevel: 'error',
  optimizeDeps: { noDiscovery: true },
});
const load = (p) => vite.ssrLoadModule(p);
const { writeOciLayout } = await load('/src/oci/image-writer.ts');
const { pushLayout } = await load('/src/oci/push.ts');
const { RegistryClient } = await load('/src/oci/registry-client.ts');
const { pullImage } = await load('/src/oci/pull.ts');
const { flattenLayers } = await load('/src/oci/flatten.ts');
const { BlobCache } = await load('/src/oci/blob-cache.ts');
const { parseImageReference } = await load('/src/oci/reference.ts');
const { linuxPlatform } = await load('/src/oci/platform.ts');
const { silentLogger } = await load('/src/log.ts');
const { startRegistry } = await load('/test/helpers/registry.ts');
const { phpImage } = await load('/test/fixtures/oci/php-image.ts');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms) => (ms / 1000).toFixed(2);

const work = await mkdtemp(join(tmpdir(), 'skiff-bench-pull-'));
const registry = await startRegistry();
if (!registry) process.exit(0);
try {
  const image = await phpImage();
  if (!image) throw new Error('php8.2-cli is not installed');
  // Incompressible bytes, so the image is ~100 MB on the wire as well.
  const filler = join(work, 'filler.bin');
  await writeFile(filler, randomBytes(64 * 2 ** 20));
  image.layers.push([
    { type: 'host-file', path: 'opt/data/filler.bin', hostPath: filler },
  ]);
  const layout = join(work, 'layout');
  await writeOciLayout(layout, 'bench', [image]);
  const client = new RegistryClient({
    registry: registry.host,
    repository: 'bench/php',
    insecure: true,
    actions: 'pull,push',
    logger: silentLogger,
  });
  await pushLayout(client, layout, 'bench');
  const wire = execFileSync('du', ['-sb', join(layout, 'blobs')], {
    encoding: 'utf8',
  }).split('\t')[0];
  console.log(
    `image: ${image.layers.length} layers, ${(wire / 2 ** 20).toFixed(1)} MiB of blobs`,
  );

  const ref = parseImageReference(`${registry.host}/bench/php:bench`);
  const skiff = [];
  const pullOnly = [];
  const skopeo = [];
  const skopeoTar = [];
  for (let i = 0; i < RUNS; i++) {
    const cache = join(work, `cache-${i}`);
    const t0 = performance.now();
    const img = await pullImage(ref, {
      cache: new BlobCache(join(cache, 'blobs')),
      refsDir: join(cache, 'refs'),
      platform: linuxPlatform('amd64'),
      insecure: true,
      logger: silentLogger,
    });
    const t1 = performance.now();
    await flattenLayers(img.layers, join(work, `root-${i}`), silentLogger);
    const t2 = performance.now();
    pullOnly.push(t1 - t0);
    skiff.push(t2 - t0);

    const dest = join(work, `skopeo-${i}`);
    const s0 = performance.now();
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${registry.host}/bench/php:bench`,
      `dir:${dest}`,
    ]);
    skopeo.push(performance.now() - s0);
    // The same work with standard tools: skopeo's download, then GNU tar
    // unpacking each layer in order (no whiteout handling).
    const manifest = JSON.parse(
      readFileSync(join(dest, 'manifest.json'), 'utf8'),
    );
    const unpacked = join(work, `tar-${i}`);
    mkdirSync(unpacked);
    for (const layer of manifest.layers) {
      execFileSync('tar', [
        '-xzf',
        join(dest, layer.digest.slice(7)),
        '-C',
        unpacked,
      ]);
    }
    skopeoTar.push(performance.now() - s0);
    await rm(unpacked, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
    await rm(join(work, `root-${i}`), { recursive: true, force: true });
    await rm(dest, { recursive: true, force: true });
  }
  const result = {
    runs: RUNS,
    skiffPullFlattenS: Number(secs(median(skiff))),
    skiffPullOnlyS: Number(secs(median(pullOnly))),
    skopeoCopyS: Number(secs(median(skopeo))),
    skopeoCopyTarS: Number(secs(median(skopeoTar))),
    ratio: Number((median(skiff) / median(skopeo)).toFixed(2)),
    ratioVsCopyTar: Number((median(skiff) / median(skopeoTar)).toFixed(2)),
  };
  console.log(
    `skiff pull+flatten ${result.skiffPullFlattenS} s ` +
      `(pull ${result.skiffPullOnlyS} s); skopeo copy ${result.skopeoCopyS} s, ` +
      `skopeo copy + tar -x ${result.skopeoCopyTarS} s; ratio ${result.ratio} ` +
      `vs skopeo copy, ${result.ratioVsCopyTar} vs copy + tar ` +
      `(median of ${RUNS})`,
  );
  console.log(JSON.stringify(result));
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
  await vite.close();
}
