// `image delete -t aws`: deregister the AMI, then delete its snapshots. A
// snapshot that cannot be deleted is reported with the command that does
// it, and a second run finds it again by its tags and finishes the job.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { CloudError, SkiffError, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { DeleteImageOptions } from '../types.js';
import {
  deregisterImage,
  findImageByName,
  findLeftoverSnapshots,
  isSkiffImage,
  snapshotIdsOf,
} from './images.js';
import { listSkiffInstances, toInstanceInfo } from './instances.js';
import {
  deleteSnapshotCommand,
  deleteSnapshotPatiently,
  type SnapshotDeleteRetry,
} from './snapshots.js';
import { shellWord } from '../../src/shell-word.js';

export interface DeleteImageDeps {
  ec2: EC2Client;
  logger: Logger;
  region?: string;
  retry: SnapshotDeleteRetry;
}

/**
 * Deletes each snapshot; throws AWS_SNAPSHOT_LEFT naming the ones left,
 * with the commands, after trying them all.
 */
async function deleteSnapshots(
  d: DeleteImageDeps,
  name: string,
  what: string,
  snapshotIds: string[],
): Promise<void> {
  const left: string[] = [];
  let firstError: SkiffError | undefined;
  for (const id of snapshotIds) {
    try {
      await deleteSnapshotPatiently(
        d.ec2,
        id,
        `deleting snapshot ${id}`,
        d.retry,
      );
      d.logger.debug(`deleted snapshot ${id}`);
    } catch (err) {
      if (d.retry.signal?.aborted) throw err;
      left.push(id);
      firstError ??= err as SkiffError;
    }
  }
  if (!firstError) return;
  const commands = left.map(
    (id) => `\`${deleteSnapshotCommand(id, d.region)}\``,
  );
  throw new CloudError(
    'AWS_SNAPSHOT_LEFT',
    `${what}, but snapshot ${left.join(', ')} could not be deleted: ` +
      firstError.message,
    {
      cause: firstError,
      hint:
        `delete it with ${commands.join(' and ')}, or run ` +
        `\`skiff image delete -t aws ${shellWord(name)}\` again`,
    },
  );
}

export async function deleteAwsImage(
  d: DeleteImageDeps,
  name: string,
  opts: DeleteImageOptions,
): Promise<void> {
  const image = await findImageByName(d.ec2, name);
  if (image && !isSkiffImage(image)) throw notFound(name);
  if (!image?.ImageId) {
    // An earlier delete may have deregistered the AMI and then failed on
    // its snapshot: finish that job.
    const leftovers = await findLeftoverSnapshots(d.ec2, name);
    if (leftovers.length === 0) throw notFound(name);
    d.logger.info(
      `AMI ${name} is already deregistered; deleting the snapshot it ` +
        `left: ${leftovers.join(', ')}`,
    );
    await deleteSnapshots(d, name, `AMI ${name} is deregistered`, leftovers);
    return;
  }

  if (!opts.force) {
    const users = (await listSkiffInstances(d.ec2)).filter(
      (i) => i.ImageId === image.ImageId,
    );
    if (users.length > 0) {
      const names = users.map((i) => toInstanceInfo(i).name).join(', ');
      throw new UserError(
        'IMAGE_IN_USE',
        `image "${name}" is used by instance(s) ${names}`,
        { hint: 'delete those instances first, or pass --force' },
      );
    }
  }
  await deregisterImage(d.ec2, image);
  await deleteSnapshots(
    d,
    name,
    `AMI ${name} (${image.ImageId}) is deregistered`,
    snapshotIdsOf(image),
  );
  d.logger.debug(`deleted AMI ${name} (${image.ImageId})`);
}

function notFound(name: string): UserError {
  return new UserError('IMAGE_NOT_FOUND', `no AWS image named "${name}"`, {
    hint: 'see `skiff image list -t aws`',
  });
}
