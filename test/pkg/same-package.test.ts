// One PHP image three ways - pushed to a registry, saved as a
// docker-archive tarball, written as an OCI layout - must give the same
// package: the same files, links and bytes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import {
  writeDockerArchive,
  writeOciLayout,
} from '../../src/oci/image-writer.js';
import { pushLayout } from '../../src/oci/push.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import { listPackageEntries } from '../../src/pkg/contents.js';
import { runCli, tempHome } from '../helpers/cli-run.js';
import { skipBootTests } from '../helpers/kernel.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { phpImage } from '../fixtures/oci/php-image.js';

const image = await phpImage();
if (!image)
  skipBootTests('php8.2-cli is not installed', 'apt-get install php-cli');

async function fingerprint(dir: string): Promise<string[]> {
  const entries = await listPackageEntries(dir);
  return entries
    .filter((e) => e.path !== 'package.manifest')
    .map((e) => {
      if (e.type === 'symlink') return `${e.path} -> ${e.target}`;
      if (e.type === 'dir') return `${e.path}/`;
      const hash = createHash('sha256')
        .update(readFileSync(join(dir, e.path)))
        .digest('hex');
      return `${e.path} ${hash}`;
    });
}

function manifestOf(dir: string): Record<string, unknown> {
  const m = JSON.parse(readFileSync(join(dir, 'package.manifest'), 'utf8'));
  delete m.Description;
  return m;
}

describe.skipIf(!image)(
  'from-docker: registry, docker-archive, OCI layout',
  () => {
    let home: Awaited<ReturnType<typeof tempHome>>;
    let registry: TestRegistry | undefined;
    let env: Record<string, string>;

    beforeAll(async () => {
      home = await tempHome();
      env = { ...home.env, SKIFF_CACHE_DIR: join(home.dir, 'cache') };
      await writeOciLayout(join(home.dir, 'layout'), '8.2', [image!]);
      await writeDockerArchive(join(home.dir, 'php.tar'), 'php:8.2', image!);
      registry = await startRegistry();
      if (registry) {
        const client = new RegistryClient({
          registry: registry.host,
          repository: 'php',
          insecure: true,
          actions: 'pull,push',
          logger: silentLogger,
        });
        await pushLayout(client, join(home.dir, 'layout'), '8.2');
      }
    });
    afterAll(async () => {
      await registry?.stop();
      await home.cleanup();
    });

    it('gives the same files, links and bytes', async () => {
      const sources = [
        ['from-layout', `oci:${join(home.dir, 'layout')}:8.2`],
        ['from-archive', `docker-archive:${join(home.dir, 'php.tar')}`],
      ];
      if (registry) {
        sources.push(['from-registry', `${registry.host}/php:8.2`]);
      }
      const prints: string[][] = [];
      const manifests: Record<string, unknown>[] = [];
      for (const [name, source] of sources) {
        const r = await runCli(
          [
            'pkg',
            'from-docker',
            source!,
            '-n',
            `${name}:8.2`,
            '--insecure-registry',
          ],
          { env, cwd: home.dir },
        );
        expect(r.stderr).not.toMatch(/error/);
        expect(r.code).toBe(0);
        const dir = r.stdout.trim();
        prints.push(await fingerprint(dir));
        manifests.push(manifestOf(dir));
      }
      expect(prints[0]!.length).toBeGreaterThan(50);
      expect(prints[0]).toContain(
        'sysroot/etc/alternatives/php -> /usr/bin/php.default',
      );
      for (const p of prints.slice(1)) expect(p).toEqual(prints[0]);
      for (const m of manifests.slice(1)) expect(m).toEqual(manifests[0]);
    });

    it('needs no --insecure-registry for a registry on this host', async (t) => {
      if (!registry) return t.skip();
      // As Docker: 127.0.0.1 may speak plain HTTP. A fresh cache, so the
      // registry is really asked.
      const r = await runCli(
        ['pkg', 'from-docker', `${registry.host}/php:8.2`, '-n', 'x', '-v'],
        { env: { ...env, SKIFF_CACHE_DIR: join(home.dir, 'c2') } },
      );
      expect(r.stderr).toMatch(/is on this host and has no HTTPS/);
      expect(r.code).toBe(0);
    });
  },
);
