// Polling and retry timings in one place; tests shrink them.
import { DEFAULT_EBS_TIMINGS, type EbsUploadTimings } from './ebs-upload.js';
import type { DeleteTimings } from './instances.js';
import type { SnapshotDeleteRetry } from './snapshots.js';
import type { WaiterTimings } from './waiters.js';

export interface AwsTimings {
  /** First interval for snapshot, import and AMI polling. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /**
   * How long DeleteSnapshot is retried while EC2 still counts a snapshot
   * as used by the AMI just deregistered (InvalidSnapshot.InUse).
   */
  snapshotInUseWaitMs: number;
  /** Least time between two GetConsoleOutput calls for one instance. */
  consoleIntervalMs: number;
  ebs: EbsUploadTimings;
  delete: DeleteTimings;
  /** The wait for `running` before CloudConfig.StaticIP is associated. */
  running: WaiterTimings;
}

export const DEFAULT_AWS_TIMINGS: AwsTimings = {
  pollIntervalMs: 2_000,
  maxPollIntervalMs: 15_000,
  snapshotInUseWaitMs: 90_000,
  consoleIntervalMs: 2_000,
  ebs: DEFAULT_EBS_TIMINGS,
  delete: {
    maxWaitSeconds: 600,
    minDelaySeconds: 5,
    maxDelaySeconds: 15,
    groupAttempts: 12,
    groupDelayMs: 5_000,
  },
  running: { maxWaitSeconds: 300, minDelaySeconds: 5, maxDelaySeconds: 15 },
};

/** DeleteSnapshot's retry, from the poll timings. */
export function snapshotDeleteRetry(
  t: AwsTimings,
  signal?: AbortSignal,
): SnapshotDeleteRetry {
  return {
    inUseWaitMs: t.snapshotInUseWaitMs,
    baseDelayMs: t.pollIntervalMs,
    maxDelayMs: t.maxPollIntervalMs,
    signal,
  };
}
