// What the QEMU adapter's parts share: paths, logger, environment, and
// the timings tests may shorten.
import type { Logger } from '../../src/log.js';
import type { SkiffPaths } from '../../src/paths.js';
import { findQemu } from '../../src/qemu/find-qemu.js';
import { SERIAL_PART_BYTES } from '../../src/state/serial-log.js';

export interface QemuProviderOptions {
  /** The node binary that runs each instance's supervisor. */
  nodePath?: string;
  /** How long QEMU may take to answer on QMP after spawn (default 30 s). */
  startTimeoutMs?: number;
  /** Power-button grace before QMP quit on `instance stop` (default 15 s). */
  stopGraceMs?: number;
  /** Size past which serial.log is rotated (default SERIAL_PART_BYTES). */
  serialPartBytes?: number;
}

export interface QemuContext {
  paths: SkiffPaths;
  logger: Logger;
  env: Record<string, string | undefined>;
  nodePath: string;
  startTimeoutMs: number;
  stopGraceMs: number;
  serialPartBytes: number;
  /** The QEMU binary, looked up on PATH the first time it is needed. */
  qemuPath(): Promise<string>;
}

export function createQemuContext(
  base: Pick<QemuContext, 'paths' | 'logger' | 'env'>,
  options: QemuProviderOptions = {},
): QemuContext {
  let found: Promise<string> | undefined;
  return {
    ...base,
    nodePath: options.nodePath ?? process.execPath,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 15_000,
    serialPartBytes: options.serialPartBytes ?? SERIAL_PART_BYTES,
    qemuPath: () => (found ??= findQemu(base.env.PATH)),
  };
}
