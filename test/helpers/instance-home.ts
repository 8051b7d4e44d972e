// A temp SKIFF_HOME for CLI tests that start instances: made before the
// tests (with a Nanos release), and after them every QEMU and supervisor
// it started is killed and the folder removed.
import { afterAll, beforeAll } from 'vitest';
import { resolvePaths } from '../../src/paths.js';
import { killLeftovers } from '../providers/qemu/fixture.js';
import { runCli, tempHome, type CliRun } from './cli-run.js';

export interface InstanceHome {
  /** The home folder, also the CLI's working folder. */
  readonly dir: string;
  readonly env: Record<string, string>;
  cli(...argv: string[]): Promise<CliRun>;
}

/** Registers the hooks; `setup` runs once the folder exists. */
export function useInstanceHome(
  kernel: string | undefined,
  setup?: (dir: string) => Promise<void>,
): InstanceHome {
  let home: Awaited<ReturnType<typeof tempHome>> | undefined;
  let env: Record<string, string> = {};
  const h: InstanceHome = {
    get dir() {
      if (!home) throw new Error('useInstanceHome: used before beforeAll');
      return home.dir;
    },
    get env() {
      return env;
    },
    cli: (...argv) => runCli(argv, { env, cwd: h.dir }),
  };
  beforeAll(async () => {
    home = await tempHome();
    env = { ...home.env, ...(kernel ? { SKIFF_NANOS_DIR: kernel } : {}) };
    await setup?.(home.dir);
  });
  afterAll(async () => {
    if (!home) return;
    await killLeftovers(resolvePaths(env));
    await home.cleanup();
  });
  return h;
}
