// The --upload s3 route as image create uses it: upload the raw image to
// the bucket, import it as a snapshot, tag it; the object is removed
// afterwards unless the import may still be reading it.
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { SkiffError } from '../../src/errors.js';
import type { CreateImageOptions } from '../types.js';
import type { CreateImageDeps } from './create-image.js';
import { awsStep } from './errors.js';
import type { PollOptions } from './poll.js';
import {
  deleteUploadQuietly,
  importSnapshotFromS3,
  uploadImageToS3,
} from './s3-import.js';
import { toAwsTags } from './tags.js';

/** Resolves to the id of the imported, tagged snapshot. */
export async function viaS3(
  d: CreateImageDeps,
  opts: CreateImageOptions,
  sizeBytes: number,
  tags: Record<string, string>,
  poll: PollOptions,
): Promise<string> {
  const { logger } = d.ctx;
  const bucket = d.cloud.bucketName as string;
  const key = `skiff/${opts.name}-${Date.now()}.raw`;
  const s3 = d.clients.s3;
  let keep = opts.options?.keepUpload === true;
  let importing = false;
  try {
    logger.info(`uploading ${opts.name} to s3://${bucket}/${key}`);
    await uploadImageToS3({
      s3,
      bucket,
      key,
      path: opts.image.path,
      sizeBytes,
      logger,
      signal: d.ctx.signal,
      deadline: poll.deadline,
    });
    importing = true;
    const snapshotId = await importSnapshotFromS3({
      ...poll,
      signal: d.ctx.signal,
      ec2: d.clients.ec2,
      bucket,
      key,
      name: opts.name,
      tags,
      logger,
      kmsKey: d.cloud.kms,
    });
    await awsStep(`tagging snapshot ${snapshotId}`, 'ec2:CreateTags', () =>
      d.clients.ec2.send(
        new CreateTagsCommand({
          Resources: [snapshotId],
          Tags: toAwsTags(tags),
        }),
      ),
    );
    return snapshotId;
  } catch (err) {
    // Still importing when the deadline passed: it may yet read the
    // object. (On Ctrl-C the import is cancelled first.)
    if (importing && err instanceof SkiffError && err.code === 'AWS_TIMEOUT') {
      keep = true;
      logger.warn(
        `kept s3://${bucket}/${key}: the import may still be reading it; ` +
          `once it has ended, remove it with \`aws s3 rm s3://${bucket}/${key}\``,
      );
    }
    throw err;
  } finally {
    if (!keep) await deleteUploadQuietly(s3, bucket, key, logger);
  }
}
