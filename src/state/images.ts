// Named local images: <dataDir>/images/<name>.img (the pristine raw disk)
// next to <name>.json (what it was built from). The JSON appears last, so
// an image is listed only once its disk is complete.
import { link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PortForward } from '../config/types.js';
import { errnoCode, UserError } from '../errors.js';
import type { SkiffPaths } from '../paths.js';
import {
  readJsonFile,
  StateFileError,
  tempPathFor,
  writeJsonAtomic,
} from './atomic.js';
import { copySparse } from './sparse-copy.js';

export interface ImageRecord {
  version: 1;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  sizeBytes: number;
  uefi: boolean;
  arch: 'x86_64' | 'aarch64';
  /** Baked into the manifest; QEMU must then allow guest resets. */
  rebootOnExit: false | 'on-failure' | 'always';
  /** Program path inside the image, for `image list`. */
  program: string;
  /**
   * RunConfig from the config the image was built with, for its
   * instances; cpus and memoryBytes only when that config set them.
   */
  ports: PortForward[];
  cpus?: number;
  memoryBytes?: number;
  nanosVersion?: string;
  /** The manifest has debug_exit (absent in older records: it had). */
  debugExit?: boolean;
  /** The package or program given to `image create` (newer records). */
  builtFrom?: { package?: string; program?: string };
}

export function imagesDir(paths: SkiffPaths): string {
  return join(paths.dataDir, 'images');
}

export function imageDiskPath(paths: SkiffPaths, name: string): string {
  return join(imagesDir(paths), `${name}.img`);
}

function imageRecordPath(paths: SkiffPaths, name: string): string {
  return join(imagesDir(paths), `${name}.json`);
}

export function imageExists(name: string): UserError {
  return new UserError(
    'IMAGE_EXISTS',
    `an image named "${name}" already exists`,
    {
      hint: `pick another --imagename, or replace it with --force`,
    },
  );
}

/** Moves `src` to `dest`; copies when they are on different devices. */
async function moveFile(src: string, dest: string): Promise<void> {
  try {
    await rename(src, dest);
  } catch (err) {
    if (errnoCode(err) !== 'EXDEV') throw err;
    const tmp = tempPathFor(dest);
    await copySparse(src, tmp);
    await rename(tmp, dest);
    await rm(src, { force: true });
  }
}

/**
 * Stores the built disk at `srcPath` (moved, not copied, when possible)
 * under `record.name`. Without `force` an existing name is an error, and
 * of two commands storing the same name one wins (link(2) is atomic).
 */
export async function storeImage(
  paths: SkiffPaths,
  srcPath: string,
  record: ImageRecord,
  force: boolean,
): Promise<void> {
  const dir = imagesDir(paths);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const disk = imageDiskPath(paths, record.name);
  const staged = tempPathFor(disk);
  await moveFile(srcPath, staged);
  try {
    if (force) {
      await rename(staged, disk);
    } else {
      if (await readImageRecord(paths, record.name)) {
        throw imageExists(record.name);
      }
      try {
        await link(staged, disk);
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') throw imageExists(record.name);
        throw err;
      }
    }
    await writeJsonAtomic(imageRecordPath(paths, record.name), record);
  } finally {
    await rm(staged, { force: true });
  }
}

export async function readImageRecord(
  paths: SkiffPaths,
  name: string,
): Promise<ImageRecord | undefined> {
  const record = await readJsonFile<ImageRecord>(imageRecordPath(paths, name));
  if (!record) return undefined;
  try {
    await stat(imageDiskPath(paths, name));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  return record;
}

/**
 * Every complete image, sorted by name. A record that does not parse is
 * passed to `onBroken` (or thrown) instead of hiding the others.
 */
export async function listImageRecords(
  paths: SkiffPaths,
  onBroken?: (name: string, err: StateFileError) => void,
): Promise<ImageRecord[]> {
  let entries: string[];
  try {
    entries = await readdir(imagesDir(paths));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const names = entries
    .filter((e) => e.endsWith('.json') && !e.startsWith('.'))
    .map((e) => e.slice(0, -'.json'.length))
    .sort();
  const records = await Promise.all(
    names.map((n) =>
      readImageRecord(paths, n).catch((err: unknown) => {
        if (!(err instanceof StateFileError) || !onBroken) throw err;
        onBroken(n, err);
        return undefined;
      }),
    ),
  );
  return records.filter((r): r is ImageRecord => r !== undefined);
}

/** Removes the record first (the image disappears), then the disk. */
export async function removeImage(
  paths: SkiffPaths,
  name: string,
): Promise<void> {
  await rm(imageRecordPath(paths, name), { force: true });
  await rm(imageDiskPath(paths, name), { force: true });
}
