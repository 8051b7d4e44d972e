// Shared set-up for the QEMU adapter tests: tiny static C programs made
// into images with the image writer (no build pipeline needed), a temp
// Skiff home, and a clean-up that kills whatever QEMU a test left behind.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuProvider } from '../../../providers/qemu/index.js';
import type { QemuProviderOptions } from '../../../providers/qemu/index.js';
import type { BuiltImage, Provider } from '../../../providers/types.js';
import type { PortForward, ResolvedConfig } from '../../../src/config/types.js';
import { writeImage } from '../../../src/image/write.js';
import { RecordingLogger } from '../../../src/log.js';
import type { SkiffPaths } from '../../../src/paths.js';
import {
  instanceFiles,
  listInstanceNames,
  readRunRecord,
} from '../../../src/state/instances.js';
import {
  isProcessAlive,
  type ProcessIdentity,
} from '../../../src/state/process.js';
import { FLAG, Tuple, type TfsValue } from '../../../src/tfs/value.js';
import { skipBootTests } from '../../helpers/kernel.js';

export const HELLO_C = `
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  printf("hello from app %s\\n", argc > 1 ? argv[1] : "-");
  fflush(stdout);
  return argc > 2 ? atoi(argv[2]) : 0;
}
`;

export const SERVER_C = join(
  import.meta.dirname,
  '../../../examples/http-server/server.c',
);

export interface TestHome {
  dir: string;
  paths: SkiffPaths;
  logger: RecordingLogger;
  provider: Provider;
}

export async function testHome(
  options: QemuProviderOptions = {},
  env: Record<string, string | undefined> = process.env,
): Promise<TestHome> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-qemu-'));
  const paths = {
    cacheDir: join(dir, 'cache'),
    dataDir: join(dir, 'data'),
    stateDir: join(dir, 'state'),
  };
  const logger = new RecordingLogger();
  const provider = createQemuProvider(
    { logger, paths, env },
    { startTimeoutMs: 30_000, stopGraceMs: 5000, ...options },
  );
  return { dir, paths, logger, provider };
}

export function hasGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    skipBootTests('gcc not found', 'apt-get install gcc libc6-dev');
    return false;
  }
}

/** Compiles C source text (or a .c path) into a static binary. */
export async function compile(
  dir: string,
  name: string,
  source: string,
): Promise<string> {
  let src = source;
  if (!source.endsWith('.c')) {
    src = join(dir, `${name}.c`);
    await writeFile(src, source);
  }
  const out = join(dir, name);
  execFileSync('gcc', ['-static', '-O1', '-o', out, src]);
  return out;
}

export interface ImageOptions {
  args?: string[];
  rebootOnExit?: false | 'on-failure' | 'always';
  /** At least this big (BaseVolumeSz): room for the app to write. */
  minSizeBytes?: number;
}

/** A bootable image running `program` as /<name>, with debug_exit. */
export async function makeImage(
  kernelDir: string,
  dir: string,
  program: string,
  opts: ImageOptions = {},
): Promise<BuiltImage> {
  const host = async (path: string) => ({
    kind: 'host' as const,
    path,
    sizeBytes: (await stat(path)).size,
  });
  const manifest = new Map<string, TfsValue>([
    ['program', '/app'],
    ['arguments', ['/app', ...(opts.args ?? [])]],
    ['environment', new Tuple([['USER', 'root']])],
    ['debug_exit', FLAG],
  ]);
  if (opts.rebootOnExit) {
    manifest.set('reboot_on_exit', opts.rebootOnExit === 'always' ? '*' : 't');
  }
  const out = join(dir, `built-${Math.random().toString(16).slice(2)}.img`);
  const written = await writeImage(
    {
      bootImage: await host(join(kernelDir, 'boot.img')),
      kernel: await host(join(kernelDir, 'kernel.img')),
      klibs: new Map(),
      root: {
        type: 'dir',
        children: new Map([
          ['app', { type: 'file', source: await host(program) }],
        ]),
      },
      manifest,
      minSizeBytes: opts.minSizeBytes,
    },
    out,
  );
  return {
    path: out,
    sizeBytes: written.sizeBytes,
    uefi: false,
    arch: 'x86_64',
  };
}

/** The ResolvedConfig fields the QEMU adapter reads. */
export function runConfig(
  opts: {
    ports?: PortForward[];
    rebootOnExit?: ImageOptions['rebootOnExit'];
  } = {},
): ResolvedConfig {
  return {
    baseDir: '/',
    programHostPath: '/app',
    programImagePath: '/app',
    args: ['/app'],
    env: {},
    dirs: [],
    files: [],
    mapDirs: [],
    rebootOnExit: opts.rebootOnExit ?? false,
    klibs: [],
    manifestPassthrough: {},
    nameServers: [],
    uefi: false,
    debugFlags: [],
    noTrace: [],
    mounts: {},
    run: {
      cpus: 1,
      memoryBytes: 256 * 1024 * 1024,
      ports: opts.ports ?? [],
      accel: 'tcg',
    },
    cloud: {
      platform: 'qemu',
      labels: {},
      imageTimeoutSeconds: 60,
      tags: [],
    },
  };
}

/** SIGKILLs every QEMU and supervisor left under `paths`, then waits. */
export async function killLeftovers(paths: SkiffPaths): Promise<void> {
  for (const name of await listInstanceNames(paths)) {
    const run = await readRunRecord(instanceFiles(paths, name));
    if (!run) continue;
    for (const id of [run.qemu, run.supervisor]) {
      if (await isProcessAlive(id)) {
        try {
          process.kill(id.pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
  }
}

/** Every QEMU and supervisor ever recorded under `paths`, so far. */
export async function recordedProcesses(
  paths: SkiffPaths,
): Promise<ProcessIdentity[]> {
  let names: string[] = [];
  try {
    names = await readdir(join(paths.stateDir, 'instances'));
  } catch {
    return [];
  }
  const ids: ProcessIdentity[] = [];
  for (const name of names) {
    const run = await readRunRecord(instanceFiles(paths, name));
    if (run) ids.push(run.qemu, run.supervisor);
  }
  return ids;
}

/** The pids of those still alive. */
export async function stillAlive(ids: ProcessIdentity[]): Promise<number[]> {
  const live: number[] = [];
  for (const id of ids) if (await isProcessAlive(id)) live.push(id.pid);
  return live;
}

/** Every live process recorded under `paths` (should be none at the end). */
export async function liveProcesses(paths: SkiffPaths): Promise<number[]> {
  return stillAlive(await recordedProcesses(paths));
}

export async function removeHome(home: TestHome | undefined): Promise<void> {
  if (!home) return;
  await killLeftovers(home.paths);
  await rm(home.dir, { recursive: true, force: true });
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
