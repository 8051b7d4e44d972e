// Looks a path up inside a root folder the way the guest kernel will see
// it: symlinks are followed inside the root (an absolute target restarts
// at the root, ".." stops at the root), never on the host.
import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/** A symlink met on the way: it must be recreated in the image. */
export interface ImageSymlink {
  /** Absolute path of the link inside the root (and the image). */
  imagePath: string;
  /** The link's target, verbatim. */
  target: string;
}

export interface RootedPath {
  /** The path with every symlink resolved, inside the root. */
  realImagePath: string;
  /** The real file or folder on the host: root + realImagePath. */
  hostPath: string;
  /** The links followed, in order; a path with none has an empty list. */
  symlinks: ImageSymlink[];
  stats: Stats;
}

const MAX_LINKS = 40;

/** root + an absolute image path; root "/" gives the path itself. */
export function hostPathIn(root: string, imagePath: string): string {
  return join(root, imagePath);
}

function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/**
 * Resolves `imagePath` inside `root`. Returns undefined when a component
 * is missing (or a non-folder is used as a folder). Throws SYMLINK_LOOP
 * after 40 links.
 */
export async function resolveInRoot(
  root: string,
  imagePath: string,
): Promise<RootedPath | undefined> {
  const symlinks: ImageSymlink[] = [];
  let pending = components(imagePath);
  let current: string[] = [];
  let stats: Stats | undefined;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      current.pop();
      stats = undefined;
      continue;
    }
    const linkPath = `/${[...current, name].join('/')}`;
    try {
      stats = await lstat(hostPathIn(root, linkPath));
    } catch {
      return undefined;
    }
    if (stats.isSymbolicLink()) {
      if (symlinks.length >= MAX_LINKS) {
        throw new UserError(
          'SYMLINK_LOOP',
          `too many symlinks resolving ${imagePath} inside ${root}`,
          { hint: `check the links along ${imagePath}` },
        );
      }
      const target = await readlink(hostPathIn(root, linkPath));
      symlinks.push({ imagePath: linkPath, target });
      if (target.startsWith('/')) current = [];
      pending = [...components(target), ...pending];
      stats = undefined;
      continue;
    }
    if (pending.length > 0 && !stats.isDirectory()) {
      return undefined;
    }
    current.push(name);
  }
  const realImagePath = `/${current.join('/')}`;
  stats ??= await lstat(hostPathIn(root, realImagePath));
  return {
    realImagePath,
    hostPath: hostPathIn(root, realImagePath),
    symlinks,
    stats,
  };
}
