// A VM that QEMU has paused (a write to its disk failed on the host: a
// full disk) still has a live QEMU, so it is `running`; this says so
// beside it, and what to do.
import type { InstanceInfo } from '../../../providers/types.js';
import { instanceFiles } from '../../state/instances.js';
import type { CliContext } from '../context.js';

/**
 * QEMU's status for a running VM it has paused (`io-error` when a write
 * to its disk failed on the host, `paused`...), else undefined.
 */
export function pausedVmStatus(info: InstanceInfo): string | undefined {
  const status = info.details?.vmStatus;
  if (info.state !== 'running' || typeof status !== 'string') return undefined;
  // "unknown": QMP was busy with another client, which says nothing.
  return status === 'running' || status === 'unknown' ? undefined : status;
}

/**
 * What to do about a VM QEMU has paused, as a warning line (undefined
 * when it runs); `folder` is where its disk is written.
 */
export function pausedVmWarning(
  info: InstanceInfo,
  folder?: string,
): string | undefined {
  const status = pausedVmStatus(info);
  if (status === undefined) return undefined;
  const { name } = info;
  const stop = `\`skiff instance stop ${name}\``;
  if (status !== 'io-error') {
    return `instance ${name} is paused (QEMU: ${status}); ${stop} ends it`;
  }
  const space = folder
    ? `free space on the host disk that holds ${folder}`
    : 'free host disk space';
  return (
    `instance ${name} is paused: QEMU could not write its disk (a host ` +
    `I/O error, most often a full disk); ${space}, then ${stop} or ` +
    `\`skiff instance delete ${name}\``
  );
}

/** Warns about `info` when QEMU has paused it (local instances only). */
export function warnIfPaused(ctx: CliContext, info: InstanceInfo): void {
  const folder =
    info.target === 'qemu' ? instanceFiles(ctx.paths, info.name).dir : '';
  const warning = pausedVmWarning(info, folder || undefined);
  if (warning) ctx.logger.warn(warning);
}
