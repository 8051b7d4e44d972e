// Two signals during `pkg from-docker` to the real `bin/skiff.js` (it
// runs dist/: `npm run build` first): the second one exits at once, and
// still removes the package temp folder and the partial blob.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOciLayout } from '../../src/oci/image-writer.js';
import { tempHome } from '../helpers/cli-run.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/skiff.js');

let home: Awaited<ReturnType<typeof tempHome>>;
let server: Server;
let host: string;

/**
 * A registry whose layer blob never ends: a few MiB, then nothing, so
 * from-docker is mid-download when the signals arrive.
 */
beforeAll(async () => {
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  home = await tempHome();
  const layout = join(home.dir, 'layout');
  const top = await writeOciLayout(layout, 'v1', [
    {
      architecture: 'amd64',
      layers: [[{ type: 'file', path: 'big', data: randomBytes(8 << 20) }]],
      config: {},
    },
  ]);
  const blob = (digest: string) =>
    readFile(join(layout, 'blobs/sha256', digest.slice(7)));
  const manifest = JSON.parse((await blob(top.digest)).toString());
  const layer: string = manifest.layers[0].digest;
  server = createServer(async (req, res) => {
    const m = /^\/v2\/slow\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
    if (!m) {
      res.statusCode = req.url === '/v2/' ? 200 : 404;
      return res.end();
    }
    const body = await blob(m[1] === 'manifests' ? top.digest : m[2]!);
    if (m[1] === 'manifests') {
      res.setHeader('content-type', top.mediaType ?? '');
      return res.end(body);
    }
    if (m[2] !== layer) return res.end(body);
    res.write(body.subarray(0, 4 << 20));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  host = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await home?.cleanup();
});

/** Names starting with .tmp- in `dir`. */
async function temps(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith('.tmp-'));
}

async function until(check: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pkg from-docker and a second signal', () => {
  it('leaves no temp folder and no partial blob', async () => {
    const store = join(home.dir, 'data/packages/amd64');
    const blobs = join(home.dir, 'cache/blobs/sha256');
    const child = spawn(
      process.execPath,
      [bin, 'pkg', 'from-docker', `${host}/slow:v1`, '--insecure-registry'],
      {
        env: {
          ...process.env,
          SKIFF_HOME: home.dir,
          SKIFF_CACHE_DIR: join(home.dir, 'cache'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number | null>((r) =>
      child.on('close', (code) => r(code)),
    );
    await until(async () => {
      const [work] = await temps(store);
      const [part] = await temps(blobs);
      if (!work || !part) return false;
      return (await stat(join(blobs, part))).size >= 4 << 20;
    }, 30_000);

    // Back to back, so the second arrives before the first's clean-up
    // has run.
    child.kill('SIGINT');
    child.kill('SIGTERM');
    // The exit code is the first signal's; Node may take either first.
    expect([130, 143], stderr).toContain(await done);
    expect(await temps(store)).toEqual([]);
    expect(await temps(blobs)).toEqual([]);
  });
});
