// The QEMU adapter's images: raw disks kept by name in the data folder.
import { lstat } from 'node:fs/promises';
import type { SkiffPaths } from '../../src/paths.js';
import { SkiffError, UserError } from '../../src/errors.js';
import { hasDebugExit } from '../../src/manifest/manifest-keys.js';
import { StateFileError } from '../../src/state/atomic.js';
import {
  imageDiskPath,
  imageExists,
  listImageRecords,
  readImageRecord,
  removeImage,
  storeImage,
  type ImageRecord,
} from '../../src/state/images.js';
import { listNames, validateName } from '../../src/state/names.js';
import type {
  CheckCreateImageOptions,
  CreateImageOptions,
  DeleteImageOptions,
  ImageInfo,
} from '../types.js';
import type { QemuContext } from './context.js';
import { listInstanceInfos } from './instances.js';

function toInfo(paths: SkiffPaths, record: ImageRecord): ImageInfo {
  return {
    name: record.name,
    target: 'qemu',
    id: imageDiskPath(paths, record.name),
    status: 'ready',
    sizeBytes: record.sizeBytes,
    createdAt: record.createdAt,
    details: {
      program: record.program,
      rebootOnExit: record.rebootOnExit,
      uefi: record.uefi,
      arch: record.arch,
      builtFrom: record.builtFrom,
    },
  };
}

/** The image's record, or a UserError listing the images that exist. */
export async function requireImage(
  paths: SkiffPaths,
  name: string,
): Promise<ImageRecord> {
  const record = await readImageRecord(paths, name).catch((err: unknown) => {
    if (!(err instanceof StateFileError)) throw err;
    throw new UserError(err.code, `image ${name}: ${err.message}`, {
      cause: err,
      hint: `\`skiff image delete ${name}\` removes it`,
    });
  });
  if (record) return record;
  const names = (await listImageRecords(paths, () => undefined)).map(
    (r) => r.name,
  );
  throw new UserError(
    'IMAGE_NOT_FOUND',
    `no local image named "${name}"; images: ${listNames(names)}`,
    { hint: 'see `skiff image list`, or build one with `skiff image create`' },
  );
}

/**
 * Refuses, before anything is built, a name `createImage` would refuse:
 * one that is taken (a broken record or a disk without one included),
 * unless forced.
 */
export async function checkImageName(
  ctx: QemuContext,
  opts: CheckCreateImageOptions,
): Promise<void> {
  validateName('image', opts.name);
  if (opts.force) return;
  const record = await readImageRecord(ctx.paths, opts.name).catch(
    (err: unknown) => {
      if (err instanceof StateFileError) return true;
      throw err;
    },
  );
  const disk = await lstat(imageDiskPath(ctx.paths, opts.name)).then(
    () => true,
    () => false,
  );
  if (record || disk) throw imageExists(opts.name);
}

export async function createImage(
  ctx: QemuContext,
  opts: CreateImageOptions,
): Promise<ImageInfo> {
  validateName('image', opts.name);
  const { config, image } = opts;
  const record: ImageRecord = {
    version: 1,
    name: opts.name,
    createdAt: new Date().toISOString(),
    sizeBytes: image.sizeBytes,
    uefi: image.uefi,
    arch: image.arch,
    rebootOnExit: config.rebootOnExit,
    program: config.programImagePath,
    ports: config.run.ports,
    cpus: config.run.cpus,
    memoryBytes: config.run.memoryBytes,
    nanosVersion: config.nanosVersion,
    // Images for qemu are built as local runs (image create -t qemu).
    debugExit: hasDebugExit(config, true),
    builtFrom: opts.builtFrom,
  };
  await storeImage(ctx.paths, image.path, record, opts.force === true);
  ctx.logger.debug(
    `image ${opts.name}: ${imageDiskPath(ctx.paths, opts.name)}`,
  );
  return toInfo(ctx.paths, record);
}

export async function listImages(ctx: QemuContext): Promise<ImageInfo[]> {
  const broken: ImageInfo[] = [];
  const records = await listImageRecords(ctx.paths, (name, err) => {
    ctx.logger.warn(
      `image ${name} is broken: ${err.message}; ` +
        `\`skiff image delete ${name}\` removes it`,
    );
    broken.push({
      name,
      target: 'qemu',
      status: 'broken',
      details: { error: err.message },
    });
  });
  return [...records.map((r) => toInfo(ctx.paths, r)), ...broken].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}

/**
 * Deletes a stored image. Instances run on their own copies, so only a
 * running one makes this refuse (unless forced); they keep running.
 */
export async function deleteImage(
  ctx: QemuContext,
  name: string,
  opts: DeleteImageOptions = {},
): Promise<void> {
  try {
    await requireImage(ctx.paths, name);
  } catch (err) {
    // A record that does not parse is removed like any other.
    if (!(err instanceof SkiffError && err.code === 'STATE_CORRUPT')) {
      throw err;
    }
  }
  const users = (await listInstanceInfos(ctx))
    .filter((i) => i.image === name && i.state === 'running')
    .map((i) => i.name);
  if (users.length > 0 && !opts.force) {
    throw new UserError(
      'IMAGE_IN_USE',
      `image "${name}" is used by running instance(s): ${listNames(users)}`,
      {
        hint:
          `stop them first (skiff instance stop ${users[0]}) or pass ` +
          '--force (they keep running on their own disk copies)',
      },
    );
  }
  await removeImage(ctx.paths, name);
}
