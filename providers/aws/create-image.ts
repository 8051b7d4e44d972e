// `image create -t aws`: validate, replace or refuse an existing AMI,
// upload by one of the two routes, register, clean up on failure.
import { stat } from 'node:fs/promises';
import { CreateTagsCommand, type Image } from '@aws-sdk/client-ec2';
import { describeFsError, SkiffError, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type {
  CreateImageOptions,
  ImageInfo,
  ProviderContext,
} from '../types.js';
import type { AwsClients } from './clients.js';
import { uploadSnapshotEbs } from './ebs-upload.js';
import { awsStep } from './errors.js';
import {
  deregisterImage,
  findImageByName,
  isSkiffImage,
  snapshotIdsOf,
} from './images.js';
import {
  buildRegisterImageInput,
  registerImage,
  rootVolumeGiB,
  waitForImage,
  type RegisterSpec,
} from './register.js';
import {
  deleteUploadQuietly,
  importSnapshotFromS3,
  uploadImageToS3,
} from './s3-import.js';
import {
  deleteSnapshotCommand,
  deleteSnapshotPatiently,
  deleteSnapshotQuietly,
  waitForSnapshot,
  type SnapshotDeleteRetry,
} from './snapshots.js';
import { skiffTags, TAG_IMAGE, toAwsTags, userTags } from './tags.js';
import { snapshotDeleteRetry, type AwsTimings } from './timings.js';
import { uploadRoute, validateAwsImageCreate } from './validate.js';
import { preflightS3Import } from './vmimport.js';

const GIB = 1024 ** 3;

export interface CreateImageDeps {
  ctx: ProviderContext;
  cloud: ResolvedCloudConfig;
  clients: AwsClients;
  region: string | undefined;
  timings: AwsTimings;
}

export async function createAwsImage(
  d: CreateImageDeps,
  opts: CreateImageOptions,
): Promise<ImageInfo> {
  const { ec2 } = d.clients;
  const { logger } = d.ctx;
  validateAwsImageCreate(opts.name, d.cloud, opts.options);
  const route = uploadRoute(opts.options?.upload);
  const sizeBytes = await stat(opts.image.path).then(
    (s) => s.size,
    (err: unknown) => {
      throw describeFsError(err, 'reading the image', opts.image.path);
    },
  );
  const timeoutMs = d.cloud.imageTimeoutSeconds * 1000;
  const poll = {
    intervalMs: d.timings.pollIntervalMs,
    maxIntervalMs: d.timings.maxPollIntervalMs,
    timeoutMs,
    signal: d.ctx.signal,
  };

  const existing = await findImageByName(ec2, opts.name);
  if (existing && !isSkiffImage(existing)) {
    throw new UserError(
      'AWS_IMAGE_NAME_TAKEN',
      `an AMI named "${opts.name}" exists (${existing.ImageId}) and was ` +
        'not made by Skiff',
      { hint: 'choose another --imagename' },
    );
  }
  if (existing && !opts.force) {
    throw new UserError(
      'IMAGE_EXISTS',
      `AMI "${opts.name}" already exists (${existing.ImageId})`,
      { hint: 'pass --force to replace it, or choose another --imagename' },
    );
  }
  if (route === 's3') {
    await preflightS3Import({
      s3: d.clients.s3,
      iam: d.clients.iam,
      bucket: d.cloud.bucketName as string,
      region: d.region,
      logger,
    });
  }

  const tags = skiffTags(
    opts.name,
    { [TAG_IMAGE]: opts.name },
    userTags(d.cloud),
  );
  const retry = snapshotDeleteRetry(d.timings, d.ctx.signal);
  let snapshotId: string | undefined;
  let spec: RegisterSpec;
  let imageId: string;
  let replaced: Image | undefined;
  try {
    if (route === 'ebs') {
      const up = await uploadSnapshotEbs({
        ebs: d.clients.ebs,
        path: opts.image.path,
        name: opts.name,
        description: `skiff image ${opts.name}`,
        tags,
        logger,
        timeoutMs,
        signal: d.ctx.signal,
        timings: d.timings.ebs,
        kmsKey: d.cloud.kms,
        onStarted: (id) => (snapshotId = id),
      });
      logger.info(
        `wrote ${up.blocksWritten} blocks (${up.blocksSkipped} zero blocks ` +
          `skipped); waiting for snapshot ${up.snapshotId}`,
      );
      await waitForSnapshot({
        ...poll,
        ec2,
        snapshotId: up.snapshotId,
        name: opts.name,
        logger,
      });
    } else {
      snapshotId = await viaS3(d, opts, sizeBytes, tags, poll);
    }
    spec = {
      name: opts.name,
      snapshotId: snapshotId as string,
      snapshotSizeGiB: Math.max(1, Math.ceil(sizeBytes / GIB)),
      arch: opts.image.arch,
      uefi: opts.image.uefi,
      baseVolumeBytes: opts.config.baseVolumeBytes,
      tags,
    };
    // AMI names are unique per account and region, so the old AMI must be
    // deregistered before the new one is registered; only now, once the
    // new snapshot is complete, so that a failed upload keeps it.
    if (existing) {
      logger.info(`replacing AMI ${opts.name} (${existing.ImageId})`);
      await deregisterImage(ec2, existing);
      replaced = existing;
    }
    logger.info(`registering AMI ${opts.name}`);
    logger.debug(JSON.stringify(buildRegisterImageInput(spec)));
    imageId = await registerImage(ec2, spec);
  } catch (err) {
    if (snapshotId) {
      await deleteSnapshotQuietly(ec2, snapshotId, logger, retry, d.region);
    }
    if (replaced) warnOldSnapshotsKept(logger, opts.name, replaced);
    throw err;
  }
  const status = await waitForImage({
    ...poll,
    ec2,
    imageId,
    name: opts.name,
    logger,
  });
  // Only once the new AMI exists: its snapshots are the old image's last
  // trace, and a failure to delete them must not cost the new one.
  if (replaced) {
    await deleteOldSnapshots(d, logger, replaced, retry);
  }
  // The root volume, as `image list` shows it; the raw image in details.
  const volumeGiB = rootVolumeGiB(spec.snapshotSizeGiB, spec.baseVolumeBytes);
  return {
    name: opts.name,
    target: 'aws',
    id: imageId,
    status,
    sizeBytes: volumeGiB * GIB,
    createdAt: new Date().toISOString(),
    details: { snapshotId, route, region: d.region, rawSizeBytes: sizeBytes },
  };
}

/** After a failed replacement: the old AMI is gone, its snapshots not. */
function warnOldSnapshotsKept(logger: Logger, name: string, old: Image) {
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
async function deleteOldSnapshots(
  d: CreateImageDeps,
  logger: Logger,
  old: Image,
  retry: SnapshotDeleteRetry,
): Promise<void> {
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

async function viaS3(
  d: CreateImageDeps,
  opts: CreateImageOptions,
  sizeBytes: number,
  tags: Record<string, string>,
  poll: { intervalMs: number; maxIntervalMs: number; timeoutMs: number },
): Promise<string> {
  const { logger } = d.ctx;
  const bucket = d.cloud.bucketName as string;
  const key = `skiff/${opts.name}-${Date.now()}.raw`;
  const s3 = d.clients.s3;
  let keep = opts.options?.keepUpload === true;
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
    });
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
    if (err instanceof SkiffError && err.code === 'AWS_TIMEOUT') {
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
