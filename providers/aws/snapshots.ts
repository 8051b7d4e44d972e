// Waiting for an EBS snapshot to finish, and deleting snapshots.
import {
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CloudError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { awsErrorName, awsStep, wrapAwsError } from './errors.js';
import { pollUntil, PollTimeout, type PollOptions } from './poll.js';

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

export async function deleteSnapshot(
  ec2: EC2Client,
  snapshotId: string,
  step: string,
): Promise<void> {
  await awsStep(step, 'ec2:DeleteSnapshot', () =>
    ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
  );
}

/** Cleanup after a failure: a second failure is only logged. */
export async function deleteSnapshotQuietly(
  ec2: EC2Client,
  snapshotId: string,
  logger: Logger,
): Promise<void> {
  try {
    await deleteSnapshot(ec2, snapshotId, `deleting snapshot ${snapshotId}`);
    logger.debug(`deleted snapshot ${snapshotId}`);
  } catch (err) {
    logger.warn(
      `could not delete snapshot ${snapshotId}: ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
}
