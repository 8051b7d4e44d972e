// `image create -t aws`: validate, replace or refuse an existing AMI,
// upload by one of the two routes, register, clean up on failure. One
// deadline, CloudConfig.ImageTimeoutSeconds, covers all of it.
import { stat } from 'node:fs/promises';
import type { EC2Client, Image } from '@aws-sdk/client-ec2';
import { describeFsError, SkiffError, UserError } from '../../src/errors.js';
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type {
  CreateImageOptions,
  ImageInfo,
  ProviderContext,
} from '../types.js';
import type { AwsClients } from './clients.js';
import { uploadSnapshotEbs } from './ebs-upload.js';
import {
  deleteOldSnapshots,
  discardFailedImage,
  warnOldSnapshotsKept,
  type CleanupDeps,
} from './image-cleanup.js';
import { deregisterImage, findImageByName, isSkiffImage } from './images.js';
import type { PollOptions } from './poll.js';
import {
  buildRegisterImageInput,
  registerImage,
  rootVolumeGiB,
  waitForImage,
  type RegisterSpec,
} from './register.js';
import { deleteSnapshotQuietly, waitForSnapshot } from './snapshots.js';
import { skiffTags, TAG_IMAGE, userTags } from './tags.js';
import { snapshotDeleteRetry, type AwsTimings } from './timings.js';
import { uploadRoute, validateAwsImageCreate } from './validate.js';
import { viaS3 } from './via-s3.js';
import { preflightS3Import } from './vmimport.js';

const GIB = 1024 ** 3;

export interface CreateImageDeps {
  ctx: ProviderContext;
  cloud: ResolvedCloudConfig;
  clients: AwsClients;
  region: string | undefined;
  timings: AwsTimings;
}

/**
 * Refuses an AMI name that is taken (unless `force`) or held by an AMI
 * Skiff did not make; returns the AMI to replace, if any. `image create`
 * runs it before the build, then again.
 */
export async function checkAmiName(
  ec2: EC2Client,
  name: string,
  force: boolean,
): Promise<Image | undefined> {
  const existing = await findImageByName(ec2, name);
  if (existing && !isSkiffImage(existing)) {
    throw new UserError(
      'AWS_IMAGE_NAME_TAKEN',
      `an AMI named "${name}" exists (${existing.ImageId}) and was ` +
        'not made by Skiff',
      { hint: 'choose another --imagename' },
    );
  }
  if (existing && !force) {
    throw new UserError(
      'IMAGE_EXISTS',
      `AMI "${name}" already exists (${existing.ImageId})`,
      { hint: 'pass --force to replace it, or choose another --imagename' },
    );
  }
  return existing;
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
  // One budget for the upload, the snapshot and the AMI together.
  const timeoutMs = d.cloud.imageTimeoutSeconds * 1000;
  const deadline = Date.now() + timeoutMs;
  const poll: PollOptions = {
    intervalMs: d.timings.pollIntervalMs,
    maxIntervalMs: d.timings.maxPollIntervalMs,
    timeoutMs,
    deadline,
    signal: d.ctx.signal,
  };

  const existing = await checkAmiName(ec2, opts.name, opts.force === true);
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
  const cleanup: CleanupDeps = {
    clients: d.clients,
    logger,
    region: d.region,
    retry,
  };
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
        timeoutMs: Math.max(0, deadline - Date.now()),
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
  let status: string;
  try {
    status = await waitForImage({
      ...poll,
      ec2,
      imageId,
      name: opts.name,
      logger,
    });
  } catch (err) {
    if (err instanceof SkiffError && err.code === 'AWS_IMAGE_FAILED') {
      await discardFailedImage(cleanup, imageId, spec.snapshotId);
      if (replaced) warnOldSnapshotsKept(logger, opts.name, replaced);
    }
    throw err;
  }
  // Only once the new AMI exists: its snapshots are the old image's last
  // trace, and a failure to delete them must not cost the new one.
  if (replaced) await deleteOldSnapshots(cleanup, replaced);
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
