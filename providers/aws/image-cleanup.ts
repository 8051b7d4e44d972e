// Cleanup around registering an AMI: the snapshots of the AMI an --force
// replaced, and a new AMI that ended `failed`. Every step is best effort
// and a step that fails is named with the command that finishes it.
import { DeregisterImageCommand, type Image } from '@aws-sdk/client-ec2';
import type { Logger } from '../../src/log.js';
import type { AwsClients } from './clients.js';
import { awsStep } from './errors.js';
import { snapshotIdsOf } from './images.js';
import {
  deleteSnapshotCommand,
  deleteSnapshotPatiently,
  deleteSnapshotQuietly,
  type SnapshotDeleteRetry,
} from './snapshots.js';

export interface CleanupDeps {
  clients: AwsClients;
  logger: Logger;
  region: string | undefined;
  retry: SnapshotDeleteRetry;
}

/** After a failed replacement: the old AMI is gone, its snapshots not. */
export function warnOldSnapshotsKept(logger: Logger, name: string, old: Image) {
  const ids = snapshotIdsOf(old);
  if (ids.length === 0) return;
  logger.warn(
    `the old AMI ${name} (${old.ImageId}) was deregistered; its snapshot ` +
      `${ids.join(', ')} is kept: \`skiff image delete -t aws ${name}\` ` +
      'deletes it',
  );
}

/**
 * Best effort: a snapshot of the replaced AMI that cannot be deleted
 * (still in use after the retries, or no ec2:DeleteSnapshot) is only
 * warned about, with the command.
 */
export async function deleteOldSnapshots(
  d: CleanupDeps,
  old: Image,
): Promise<void> {
  const { logger, retry } = d;
  for (const id of snapshotIdsOf(old)) {
    try {
      await deleteSnapshotPatiently(
        d.clients.ec2,
        id,
        `deleting snapshot ${id} of the replaced AMI ${old.ImageId}`,
        retry,
      );
      logger.debug(`deleted snapshot ${id} of ${old.ImageId}`);
    } catch (err) {
      logger.warn(
        `${err instanceof Error ? err.message : String(err)}; the new AMI ` +
          `is fine, delete the old snapshot with ` +
          `\`${deleteSnapshotCommand(id, d.region)}\``,
      );
    }
  }
}

/**
 * A new AMI that ended `failed` boots nothing: deregister it and delete
 * the snapshot it was made from.
 */
export async function discardFailedImage(
  d: CleanupDeps,
  imageId: string,
  snapshotId: string,
): Promise<void> {
  try {
    await awsStep(
      `deregistering the failed AMI ${imageId}`,
      'ec2:DeregisterImage',
      () =>
        d.clients.ec2.send(new DeregisterImageCommand({ ImageId: imageId })),
    );
    d.logger.debug(`deregistered the failed AMI ${imageId}`);
  } catch (err) {
    d.logger.warn(
      `${err instanceof Error ? err.message : String(err)}; deregister it ` +
        `with \`aws ec2 deregister-image --image-id ${imageId}` +
        `${d.region ? ` --region ${d.region}` : ''}\``,
    );
  }
  await deleteSnapshotQuietly(
    d.clients.ec2,
    snapshotId,
    d.logger,
    d.retry,
    d.region,
  );
}
