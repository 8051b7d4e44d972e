// Benchmark: a ~100 MB image from a local docker-registry, three ways
// with Skiff - registry pull only, pull + flatten, and the whole
// `skiff pkg from-docker` command (pull, flatten, build the package) -
// each against `skopeo copy docker://... dir:...` (download only) in the
// same run, plus skopeo copy followed by `tar -x` of every layer.
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
const { main } = await load('/src/cli/main.ts');
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
  const sink = { write: () => true };
  const times = {
    pullOnly: [],
    pullFlatten: [],
    fromDocker: [],
    skopeo: [],
    skopeoTar: [],
  };
  const timed = async (list, work) => {
    const t0 = performance.now();
    await work();
    list.push(performance.now() - t0);
  };
  const pullOptions = (cache) => ({
    cache: new BlobCache(join(cache, 'blobs')),
    refsDir: join(cache, 'refs'),
    platform: linuxPlatform('amd64'),
    insecure: true,
    logger: silentLogger,
  });
  for (let i = 0; i < RUNS; i++) {
    const run = join(work, `run-${i}`);
    await timed(times.pullOnly, () =>
      pullImage(ref, pullOptions(join(run, 'pull'))),
    );
    await timed(times.pullFlatten, async () => {
      const img = await pullImage(ref, pullOptions(join(run, 'flatten')));
      await flattenLayers(img.layers, join(run, 'root'), silentLogger);
    });
    // The command itself, in-process, with an empty cache and store.
    await timed(times.fromDocker, async () => {
      const code = await main(
        [
          'pkg',
          'from-docker',
          `${registry.host}/bench/php:bench`,
          '--insecure-registry',
          '-n',
          'bench',
          '-q',
        ],
        {
          env: {
            SKIFF_HOME: join(run, 'home'),
            SKIFF_CACHE_DIR: join(run, 'cache'),
          },
          stdout: sink,
          stderr: sink,
          cwd: run,
        },
      );
      if (code !== 0) throw new Error(`pkg from-docker exited ${code}`);
    });

    const dest = join(run, 'skopeo');
    await timed(times.skopeo, async () => {
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        `docker://${registry.host}/bench/php:bench`,
        `dir:${dest}`,
      ]);
    });
    // The same work with standard tools: skopeo's download, then GNU tar
    // unpacking each layer in order (no whiteout handling).
    const dest2 = join(run, 'skopeo-tar');
    await timed(times.skopeoTar, async () => {
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        `docker://${registry.host}/bench/php:bench`,
        `dir:${dest2}`,
      ]);
      const manifest = JSON.parse(
        readFileSync(join(dest2, 'manifest.json'), 'utf8'),
      );
      const unpacked = join(run, 'tar');
      mkdirSync(unpacked);
      for (const layer of manifest.layers) {
        execFileSync('tar', [
          '-xzf',
          join(dest2, layer.digest.slice(7)),
          '-C',
          unpacked,
        ]);
      }
    });
    await rm(run, { recursive: true, force: true });
  }
  const m = Object.fromEntries(
    Object.entries(times).map(([k, v]) => [k, median(v)]),
  );
  const ratio = (a, b) => Number((a / b).toFixed(2));
  const result = {
    runs: RUNS,
    skiffPullOnlyS: Number(secs(m.pullOnly)),
    skiffPullFlattenS: Number(secs(m.pullFlatten)),
    skiffFromDockerS: Number(secs(m.fromDocker)),
    skopeoCopyS: Number(secs(m.skopeo)),
    skopeoCopyTarS: Number(secs(m.skopeoTar)),
    pullOnlyVsSkopeo: ratio(m.pullOnly, m.skopeo),
    pullFlattenVsSkopeo: ratio(m.pullFlatten, m.skopeo),
    fromDockerVsSkopeo: ratio(m.fromDocker, m.skopeo),
    pullFlattenVsCopyTar: ratio(m.pullFlatten, m.skopeoTar),
  };
  console.log(
    `skiff: pull ${result.skiffPullOnlyS} s, pull+flatten ` +
      `${result.skiffPullFlattenS} s, pkg from-docker ` +
      `${result.skiffFromDockerS} s; skopeo copy ${result.skopeoCopyS} s, ` +
      `skopeo copy + tar -x ${result.skopeoCopyTarS} s (median of ${RUNS})`,
  );
  console.log(
    `ratios vs skopeo copy: pull ${result.pullOnlyVsSkopeo}, pull+flatten ` +
      `${result.pullFlattenVsSkopeo}, pkg from-docker ` +
      `${result.fromDockerVsSkopeo}; pull+flatten vs copy + tar ` +
      `${result.pullFlattenVsCopyTar}`,
  );
  console.log(JSON.stringify(result));
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
  await vite.close();
}
