// Waiting for an EBS snapshot to finish, and deleting snapshots (patiently:
// a just-deregistered AMI keeps its snapshot busy for a while).
import {
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CloudError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { awsErrorName, isTransientAwsError, wrapAwsError } from './errors.js';
import { pollUntil, PollTimeout, type PollOptions } from './poll.js';
import { DEFAULT_RETRY, withRetry } from './retry.js';

export interface WaitSnapshotOptions extends PollOptions {
  ec2: EC2Client;
  snapshotId: string;
  /** The image name, for messages. */
  name: string;
  logger: Logger;
}

/**
 * Polls DescribeSnapshots until `completed`. A snapshot that ends in
 * `error` (ops PR#1268 hung forever here) fails at once with its
 * StateMessage.
 */
export async function waitForSnapshot(o: WaitSnapshotOptions): Promise<void> {
  const step = `waiting for snapshot ${o.snapshotId} of ${o.name}`;
  try {
    await pollUntil(async () => {
      const snapshot = await describeSnapshot(o.ec2, o.snapshotId, step);
      if (!snapshot) return undefined;
      const state = snapshot.State;
      if (state === 'completed') return true;
      if (state === 'error' || state === 'recoverable') {
        throw new CloudError(
          'AWS_SNAPSHOT_FAILED',
          `snapshot ${o.snapshotId} of ${o.name} ended in state ${state}` +
            (snapshot.StateMessage ? `: ${snapshot.StateMessage}` : ''),
          { hint: 'run the command again; if it repeats, try --upload s3' },
        );
      }
      const pct = Number.parseInt(snapshot.Progress ?? '', 10);
      if (Number.isFinite(pct)) o.logger.progress('snapshot', pct, 100);
      return undefined;
    }, o);
  } catch (err) {
    if (err instanceof PollTimeout) {
      throw new CloudError(
        'AWS_TIMEOUT',
        `${step}: still not completed after ${err.timeoutMs / 1000} s`,
        { hint: 'raise CloudConfig.ImageTimeoutSeconds', retryable: true },
      );
    }
    throw err;
  }
}

async function describeSnapshot(
  ec2: EC2Client,
  snapshotId: string,
  step: string,
) {
  try {
    const out = await ec2.send(
      new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }),
    );
    return out.Snapshots?.[0];
  } catch (err) {
    // EC2 may not list a snapshot the EBS API has just created.
    if (awsErrorName(err) === 'InvalidSnapshot.NotFound') return undefined;
    throw wrapAwsError(err, step, 'ec2:DescribeSnapshots');
  }
}

/** How DeleteSnapshot is retried; see deleteSnapshotPatiently. */
export interface SnapshotDeleteRetry {
  /** How long InvalidSnapshot.InUse counts as "not released yet". */
  inUseWaitMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
}

/** The command that deletes a snapshot by hand. */
export function deleteSnapshotCommand(
  snapshotId: string,
  region?: string,
): string {
  const where = region ? ` --region ${region}` : '';
  return `aws ec2 delete-snapshot --snapshot-id ${snapshotId}${where}`;
}

/**
 * DeleteSnapshot. Right after DeregisterImage EC2 may still count the
 * snapshot as used by the AMI (InvalidSnapshot.InUse): that, and
 * transient errors, are retried with back-off for `inUseWaitMs`. A
 * snapshot that is already gone is fine.
 */
export async function deleteSnapshotPatiently(
  ec2: EC2Client,
  snapshotId: string,
  step: string,
  retry: SnapshotDeleteRetry,
): Promise<void> {
  const begun = Date.now();
  const { maxAttempts } = DEFAULT_RETRY;
  try {
    await withRetry(
      () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
      {
        maxAttempts,
        baseDelayMs: retry.baseDelayMs,
        maxDelayMs: retry.maxDelayMs,
        signal: retry.signal,
        shouldRetry: (err, attempt) =>
          awsErrorName(err) === 'InvalidSnapshot.InUse'
            ? Date.now() - begun < retry.inUseWaitMs
            : attempt < maxAttempts && isTransientAwsError(err),
      },
    );
  } catch (err) {
    if (awsErrorName(err) === 'InvalidSnapshot.NotFound') return;
    throw wrapAwsError(err, step, 'ec2:DeleteSnapshot');
  }
}

/**
 * Cleanup after a failure: a second failure is only logged, with the
 * command that finishes the job.
 */
export async function deleteSnapshotQuietly(
  ec2: EC2Client,
  snapshotId: string,
  logger: Logger,
  retry: SnapshotDeleteRetry,
  region?: string,
): Promise<void> {
  try {
    await deleteSnapshotPatiently(
      ec2,
      snapshotId,
      `deleting snapshot ${snapshotId}`,
      retry,
    );
    logger.debug(`deleted snapshot ${snapshotId}`);
  } catch (err) {
    logger.warn(
      `could not delete snapshot ${snapshotId} ` +
        `(${err instanceof Error ? err.message : String(err)}); delete it ` +
        `with \`${deleteSnapshotCommand(snapshotId, region)}\``,
    );
  }
}
