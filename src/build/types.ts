// The request the build pipeline takes: config in, raw image out.
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { SkiffPaths } from '../paths.js';

export interface BuildRequest {
  config: ResolvedConfig;
  /** A package's sysroot: copied whole into the image root first. */
  packageRoot?: string;
  /** Where the raw image goes (written to a temp name, then renamed). */
  outPath: string;
  /** A local QEMU run: adds debug_exit so the app's exit code comes back. */
  localRun: boolean;
  /** An offline mirror of a Nanos release (--nanos-dir, SKIFF_NANOS_DIR). */
  nanosDir?: string;
  paths: SkiffPaths;
  logger: Logger;
  signal?: AbortSignal;
}
