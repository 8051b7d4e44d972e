// Guest memory: the default for local runs and the least Nanos boots in.
import { isSize, parseSize } from './size.js';

const MiB = 1024 * 1024;

/** Guest memory for local runs when neither -m nor RunConfig.Memory. */
export const DEFAULT_MEMORY_BYTES = 512 * MiB;

/**
 * The least guest memory accepted. Nanos 0.1.54 under QEMU resets before
 * printing anything at 8 MiB and page-faults at 12 MiB; a static hello
 * boots at 16 MiB. 32 MiB leaves room for a real program.
 */
export const MIN_MEMORY_BYTES = 32 * MiB;

/** The message after the value, as config and flag errors print it. */
export const MEMORY_TOO_SMALL =
  'is below the minimum guest memory of 32m (Nanos does not boot in less)';

/** True when a size string is under MIN_MEMORY_BYTES. */
export function isMemoryTooSmall(text: string): boolean {
  return isSize(text) && parseSize(text) < MIN_MEMORY_BYTES;
}

/** Why `text` is not a usable guest memory size, or undefined. */
export function memoryProblem(text: string): string | undefined {
  try {
    parseSize(text);
  } catch (err) {
    return (err as Error).message;
  }
  return isMemoryTooSmall(text) ? `"${text}" ${MEMORY_TOO_SMALL}` : undefined;
}
