// Images: pack the raw disk, upload it, images.insert from the bucket, wait
// for the import, clean up; list and delete only Skiff's images.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError, UserError } from '../../src/errors.js';
import { onForcedExit } from '../../src/exit-cleanup.js';
import { formatBytes } from '../../src/log.js';
import type {
  CreateImageOptions,
  DeleteImageOptions,
  ImageInfo,
} from '../types.js';
import { writeGcpArtifact } from './artifact.js';
import type { GcpContext } from './context.js';
import { gcpError, isNotFound } from './errors.js';
import { mayStillRun, runOperation, waitOptionsOf } from './operations.js';
import { checkResourceName, requireBucket, SKIFF_LABEL } from './settings.js';
import { deleteUpload, ensureBucket, uploadArtifact } from './upload.js';
import { validateGcpImageCreate } from './validate.js';

const GIB = 2 ** 30;

/** The images.insert body (pure: tested on its output). */
export function imageResource(
  name: string,
  source: string,
  opts: { arch: 'x86_64' | 'aarch64'; uefi: boolean },
  labels: Record<string, string>,
) {
  const features = [{ type: 'GVNIC' }];
  // arm64 instances boot only through UEFI.
  if (opts.uefi || opts.arch === 'aarch64') {
    features.push({ type: 'UEFI_COMPATIBLE' });
  }
  return {
    name,
    architecture: opts.arch === 'aarch64' ? 'ARM64' : 'X86_64',
    guestOsFeatures: features,
    labels,
    description: 'Nanos unikernel image made by Skiff',
    rawDisk: { source, containerType: 'TAR' },
  };
}

function skiffOwned(labels: unknown): boolean {
  const l = (labels ?? {}) as Record<string, string>;
  return l[SKIFF_LABEL.key] === SKIFF_LABEL.value;
}

async function findImage(ctx: GcpContext, name: string) {
  try {
    const [image] = await ctx.clients.images.get({
      project: ctx.settings.projectId,
      image: name,
    });
    return image;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw gcpError(err, `looking up image ${name}`);
  }
}

async function removeImage(ctx: GcpContext, name: string): Promise<void> {
  const step = `deleting image ${name}`;
  await runOperation(
    ctx.clients,
    () =>
      ctx.clients.images.delete({
        project: ctx.settings.projectId,
        image: name,
      }),
    waitOptionsOf(ctx, step, 'global'),
  );
}

/**
 * Loads the credentials, then refuses a name that is taken (unless
 * `force`) or held by an image Skiff did not make. Returns the image to
 * replace, if any. `image create` runs it before the build, then again.
 */
export async function checkImageName(
  ctx: GcpContext,
  name: string,
  force: boolean,
) {
  checkResourceName('image', name);
  await ctx.clients.authenticate();
  const existing = await findImage(ctx, name);
  if (existing && !skiffOwned(existing.labels)) {
    throw new UserError(
      'IMAGE_NOT_SKIFF',
      `image ${name} exists and was not made by Skiff; not replacing it`,
      { hint: 'choose another --imagename' },
    );
  }
  if (existing && !force) {
    throw new UserError(
      'IMAGE_EXISTS',
      `image ${name} already exists in project ${ctx.settings.projectId}`,
      { hint: 'pass --force to replace it, or choose another --imagename' },
    );
  }
  return existing;
}

export async function createGcpImage(
  ctx: GcpContext,
  opts: CreateImageOptions,
): Promise<ImageInfo> {
  const { settings, clients, logger } = ctx;
  validateGcpImageCreate(opts.name, settings, opts.options);
  const bucket = requireBucket(settings);
  try {
    await stat(opts.image.path);
  } catch (err) {
    throw describeFsError(err, 'reading the built image', opts.image.path);
  }
  const object = `${opts.name}.tar.gz`;
  const source = `https://storage.googleapis.com/${bucket}/${object}`;
  const keepUpload = opts.options?.keepUpload === true;

  const existing = await checkImageName(ctx, opts.name, opts.force === true);
  const upload = {
    bucket,
    object,
    projectId: settings.projectId,
    region: settings.region,
    createBucket: opts.options?.createBucket === true,
    chunkSizeBytes: ctx.tuning.uploadChunkBytes,
    logger,
    signal: ctx.signal,
  };
  await ensureBucket(clients, upload);

  const workRoot = join(ctx.paths.cacheDir, 'gcp');
  await mkdir(workRoot, { recursive: true });
  const work = await mkdtemp(join(workRoot, `${opts.name}-`));
  // The packed archive: gone even after a second Ctrl-C.
  const forget = onForcedExit(() =>
    rmSync(work, { recursive: true, force: true }),
  );
  try {
    const archive = join(work, object);
    const packed = await writeGcpArtifact(opts.image.path, archive, {
      signal: ctx.signal,
      logger,
    });
    logger.info(
      `packed ${object}: ${formatBytes(packed.sizeBytes)} (disk ${formatBytes(packed.rawSizeBytes)})`,
    );
    await uploadArtifact(clients, { ...upload, path: archive });
    let keep = keepUpload;
    try {
      if (existing) {
        // Names are unique and images cannot be renamed, so there is no
        // way to create the new one first.
        logger.warn(
          `replacing image ${opts.name}: the old image ${opts.name} is deleted before the new one is created, so if the import fails there is no image of that name`,
        );
        await removeImage(ctx, opts.name);
      }
      await insertImage(ctx, opts, source);
    } catch (err) {
      // GCE may still be reading the archive: leave it in place.
      if (mayStillRun(err)) {
        keep = true;
        logger.warn(
          `kept gs://${bucket}/${object}: the import may still be running ` +
            'and reading it; once it has ended, remove it with ' +
            `\`gcloud storage rm gs://${bucket}/${object}\``,
        );
      }
      throw err;
    } finally {
      if (!keep) await deleteUpload(clients, bucket, object, logger);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    forget();
  }
  const image = await findImage(ctx, opts.name);
  return toImageInfo(image ?? { name: opts.name, status: 'READY' });
}

async function insertImage(
  ctx: GcpContext,
  opts: CreateImageOptions,
  source: string,
): Promise<void> {
  const step = `creating image ${opts.name} from ${source}`;
  ctx.logger.info(`${step} (this can take minutes)`);
  const resource = imageResource(
    opts.name,
    source,
    opts.image,
    ctx.settings.labels,
  );
  ctx.logger.debug(`gcp: images.insert ${JSON.stringify(resource)}`);
  await runOperation(
    ctx.clients,
    () =>
      ctx.clients.images.insert({
        project: ctx.settings.projectId,
        imageResource: resource,
      }),
    {
      ...waitOptionsOf(ctx, step, 'global'),
      timeoutMs: ctx.settings.imageTimeoutMs,
      timeoutKey: 'CloudConfig.ImageTimeoutSeconds',
    },
  );
}

export function toImageInfo(image: Record<string, any>): ImageInfo {
  const sizeGb = Number(image.diskSizeGb ?? 0);
  return {
    name: String(image.name),
    target: 'gcp',
    id: image.id ? String(image.id) : undefined,
    status: String(image.status ?? 'unknown').toLowerCase(),
    sizeBytes: sizeGb ? sizeGb * GIB : undefined,
    createdAt: image.creationTimestamp
      ? new Date(image.creationTimestamp).toISOString()
      : undefined,
    details: {
      architecture: image.architecture ?? undefined,
      labels: image.labels ?? {},
    },
  };
}

export async function listGcpImages(ctx: GcpContext): Promise<ImageInfo[]> {
  await ctx.clients.authenticate();
  try {
    const [images] = await ctx.clients.images.list({
      project: ctx.settings.projectId,
      filter: `labels.${SKIFF_LABEL.key} = ${SKIFF_LABEL.value}`,
    });
    return images
      .filter((i) => skiffOwned(i.labels))
      .map((i) => toImageInfo(i as Record<string, any>));
  } catch (err) {
    throw gcpError(err, `listing images in ${ctx.settings.projectId}`);
  }
}

export async function deleteGcpImage(
  ctx: GcpContext,
  name: string,
  opts: DeleteImageOptions,
  usedBy: () => Promise<string[]>,
): Promise<void> {
  checkResourceName('image', name);
  await ctx.clients.authenticate();
  const image = await findImage(ctx, name);
  if (!image) {
    throw new UserError(
      'IMAGE_NOT_FOUND',
      `image ${name} does not exist in project ${ctx.settings.projectId}`,
      { hint: 'see `skiff image list -t gcp`' },
    );
  }
  if (!skiffOwned(image.labels)) {
    throw new UserError(
      'IMAGE_NOT_SKIFF',
      `image ${name} was not made by Skiff (no label ${SKIFF_LABEL.key}=${SKIFF_LABEL.value})`,
      { hint: `delete it with \`gcloud compute images delete ${name}\`` },
    );
  }
  if (!opts.force) {
    const users = await usedBy();
    if (users.length) {
      throw new UserError(
        'IMAGE_IN_USE',
        `image ${name} is used by instance ${users.join(', ')}`,
        { hint: 'delete the instances first, or pass --force' },
      );
    }
  }
  await removeImage(ctx, name);
}
