// Paths inside an image root on the host disk. Entry names are checked
// before use, and symlinks are resolved the way the image itself would
// see them (an absolute target means the image's root, never the host's).
import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { UserError } from '../errors.js';

const MAX_LINKS = 40;

/**
 * "./usr/bin/php", "/usr/bin/php" -> "usr/bin/php"; "" for the root.
 * Throws when the name climbs out of the root with "..".
 */
export function normalizeEntryName(name: string, where: string): string {
  const norm = posix.normalize(`/${name}`).slice(1).replace(/\/$/, '');
  const raw = name.split('/');
  let depth = 0;
  for (const part of raw) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) {
      throw new UserError(
        'LAYER_PATH_ESCAPES',
        `${where}: entry "${name}" points outside the image root`,
        { hint: 'the image is corrupt or hostile; nothing was written' },
      );
    }
  }
  return norm;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (default true). */
  followLast?: boolean;
  /** For messages. */
  where?: string;
  /**
   * Throw when a relative symlink climbs above the root (a hostile layer);
   * otherwise clamp at the root as a chroot would.
   */
  refuseEscape?: boolean;
}

/**
 * Resolves `rel` inside `root` following symlinks inside the root only.
 * Returns the image path ("usr/lib/x") and whether it exists.
 */
export function resolveInRoot(
  root: string,
  rel: string,
  options: ResolveOptions = {},
): { path: string; exists: boolean } {
  const followLast = options.followLast ?? true;
  const pending = rel.split('/').filter((p) => p && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      if (done.length === 0 && options.refuseEscape) throw escape(rel, options);
      done.pop();
      continue;
    }
    // A missing component is taken as a folder to be created; what follows
    // is still resolved, so "missing/../link/x" cannot leave the root.
    const st = lstatOrUndefined(join(root, ...done, part));
    if (!st?.isSymbolicLink() || (!followLast && pending.length === 0)) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) {
      throw new UserError(
        'SYMLINK_LOOP',
        `${options.where ?? root}: too many symlinks resolving /${rel}`,
      );
    }
    const target = readlinkSync(join(root, ...done, part));
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(...target.split('/').filter((p) => p && p !== '.'));
  }
  const path = done.join('/');
  return { path, exists: lstatOrUndefined(join(root, path)) !== undefined };
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function escape(rel: string, options: ResolveOptions): UserError {
  return new UserError(
    'LAYER_PATH_ESCAPES',
    `${options.where ?? 'image'}: /${rel} goes through a symlink that points outside the image root`,
    { hint: 'the image is corrupt or hostile; nothing was written outside' },
  );
}
