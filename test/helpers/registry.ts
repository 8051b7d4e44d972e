// Starts Debian's docker-registry (distribution) on 127.0.0.1 with a temp
// storage folder, for tests and benchmarks. Without the binary, tests
// skip with a clear line, or fail when SKIFF_REQUIRE_REGISTRY=1.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import {
  writeOciLayout,
  type PlatformImage,
} from '../../src/oci/image-writer.js';
import { pushLayout } from '../../src/oci/push.js';
import { RegistryClient } from '../../src/oci/registry-client.js';

export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  port: number;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/docker-registry', '/usr/local/bin/registry'];

export function findRegistryBinary(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(host: string, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`docker-registry exited: ${log()}`);
    }
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${host}: ${log()}`);
}

/** A running registry, or undefined (after printing why) to skip. */
export async function startRegistry(): Promise<TestRegistry | undefined> {
  const bin = findRegistryBinary();
  if (!bin) {
    const why = 'no docker-registry binary (apt-get install docker-registry)';
    if (process.env.SKIFF_REQUIRE_REGISTRY === '1') {
      throw new Error(`SKIFF_REQUIRE_REGISTRY=1 but ${why}`);
    }
    console.log(`skipped: ${why}`);
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['serve', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(host, child, () => output.slice(-2000));
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, port, stop };
}

/**
 * Writes `images` as an OCI layout under `workDir` and pushes it to the
 * registry as `repository:tag` (an index when there are several).
 */
export async function pushImages(
  registry: TestRegistry,
  repository: string,
  tag: string,
  images: PlatformImage[],
  workDir: string,
): Promise<void> {
  const layout = join(workDir, `layout-${repository.replace(/\W/g, '-')}`);
  await writeOciLayout(layout, tag, images);
  const client = new RegistryClient({
    registry: registry.host,
    repository,
    insecure: true,
    actions: 'pull,push',
    logger: silentLogger,
  });
  await pushLayout(client, layout, tag);
}
