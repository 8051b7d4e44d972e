// A foreground local run of a built image: checks, accel choice, argv,
// then QEMU with the console on the logger.
import { runSize } from '../config/resolve-run.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { hasDebugExit } from '../manifest/manifest-keys.js';
import type { SkiffPaths } from '../paths.js';
import type { BuiltImage } from '../../providers/types.js';
import { chooseAccel } from './accel.js';
import { buildQemuArgv } from './argv.js';
import { findOvmf } from './firmware.js';
import { runQemuForeground, type ForegroundResult } from './foreground.js';
import { probeKvm } from './kvm.js';

export interface LocalRunOptions {
  qemuPath: string;
  image: BuiltImage;
  config: ResolvedConfig;
  paths: SkiffPaths;
  logger: Logger;
  signal?: AbortSignal;
  /** Host address for forwarded ports; every interface when absent. */
  publishAddress?: string;
  timeoutMs?: number;
}

export async function runImageForeground(
  opts: LocalRunOptions,
): Promise<ForegroundResult> {
  const { config, logger } = opts;
  const accel = await chooseAccel(
    config.run.accel,
    () => probeKvm({ qemuPath: opts.qemuPath, paths: opts.paths }),
    logger,
  );
  const size = runSize(config.run);
  const argv = buildQemuArgv({
    imagePath: opts.image.path,
    ...size,
    accel,
    ports: config.run.ports,
    publishAddress: opts.publishAddress,
    serial: { kind: 'stdio' },
    rebootOnExit: config.rebootOnExit !== false,
    uefiFirmwarePath: opts.image.uefi ? await findOvmf() : undefined,
  });
  for (const p of config.run.ports) {
    logger.info(
      `forwarding ${p.protocol} ${opts.publishAddress || '0.0.0.0'}:` +
        `${p.hostPort} -> guest ${p.guestPort}`,
    );
  }
  return runQemuForeground(opts.qemuPath, argv, {
    logger,
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    // Local runs are built with debug_exit unless ManifestPassthrough
    // removes it.
    debugExit: hasDebugExit(config, true),
    memoryBytes: size.memoryBytes,
  });
}
