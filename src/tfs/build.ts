// Builds one TFS in memory except its file data: the plan (data sectors,
// tuples), the encoded record and the log extensions. The caller streams
// the data and writes sector 0 once the UUID is known.
import { createHash } from 'node:crypto';
import type { DirNode } from '../image/tree.js';
import { TfsEncoder } from './encode.js';
import { planTfs, type DataPlacement } from './layout.js';
import {
  EXTENSION_SECTORS,
  SECTOR_BYTES,
  validateLabel,
  writeTfsLog,
  type LogExtension,
} from './log-writer.js';
import type { TfsValue } from './value.js';

export interface BuiltTfs {
  label: string;
  placements: DataPlacement[];
  /** The root record, as encoded (one record, ops style). */
  records: Buffer[];
  /** Extensions from sector 1 on; sector 0 is written last. */
  extensions: LogExtension[];
  /** Bytes used from the TFS start: data and log, whichever ends last. */
  usedBytes: number;
}

/** Plans and encodes a TFS for `tree` with the given root keys. */
export function buildTfs(
  tree: DirNode,
  manifest: Map<string, TfsValue>,
  label: string,
): BuiltTfs {
  validateLabel(label);
  const plan = planTfs(tree, manifest);
  const records = [new TfsEncoder().encodeRecord(plan.root)];
  let next = plan.nextSector;
  const extensions = writeTfsLog({
    records,
    allocateExtension: () => {
      const at = next;
      next += EXTENSION_SECTORS;
      return at;
    },
  });
  return {
    label,
    placements: plan.placements,
    records,
    extensions,
    usedBytes: next * SECTOR_BYTES,
  };
}

/**
 * A UUID derived from everything that determines the filesystem: the
 * metadata (names, sizes, layout, manifest), the label, and each file's
 * data digest. Same content, same UUID.
 */
export function deriveUuid(
  kind: string,
  tfs: BuiltTfs,
  dataDigests: Buffer[],
): Buffer {
  const h = createHash('sha256');
  h.update(`skiff-tfs-uuid-v1\0${kind}\0${tfs.label}\0`);
  for (const r of tfs.records) h.update(r);
  for (const d of dataDigests) h.update(d);
  return h.digest().subarray(0, 16);
}
