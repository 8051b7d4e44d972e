// QEMU could not get the guest memory it was asked for (-m more than the
// host can give): a hint naming the fix and the host's memory.
import { totalmem } from 'node:os';
import { formatBytes } from '../log.js';

// QEMU 8: "cannot set up guest memory 'pc.ram': Cannot allocate memory".
const NO_GUEST_MEMORY = /cannot set up guest memory/i;

/**
 * The hint for QEMU output that says the guest memory could not be set
 * up, else undefined. `fix` says what to lower, e.g. "lower -m".
 */
export function guestMemoryHint(
  qemuOutput: string,
  memoryBytes: number | undefined,
  fix: string,
): string | undefined {
  if (!NO_GUEST_MEMORY.test(qemuOutput)) return undefined;
  const asked =
    memoryBytes !== undefined ? `${formatBytes(memoryBytes)} asked for, ` : '';
  return `${fix}: ${asked}this host has ${formatBytes(totalmem())}`;
}
