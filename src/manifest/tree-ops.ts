// Placing nodes in the image tree by absolute path. Folder links already in
// the tree are followed (a tree with /lib -> usr/lib puts /lib/x under
// /usr/lib); a clash replaces the older node and says so at debug level.
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { emptyDir, type DirNode, type TreeNode } from '../image/tree.js';
import type { Logger } from '../log.js';

const MAX_LINKS = 40;

function parts(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function sameNode(a: TreeNode, b: TreeNode): boolean {
  if (a === b) return true;
  if (a.type === 'symlink' && b.type === 'symlink')
    return a.target === b.target;
  if (a.type === 'file' && b.type === 'file') {
    return (
      a.source.kind === 'host' &&
      b.source.kind === 'host' &&
      a.source.path === b.source.path
    );
  }
  return false;
}

export class TreeBuilder {
  readonly root: DirNode = emptyDir();

  constructor(private readonly logger: Logger) {}

  /** The node at a path, following links in the tree; undefined if none. */
  get(path: string): TreeNode | undefined {
    const names = parts(path);
    const last = names.pop();
    if (last === undefined) return this.root;
    const dir = this.dirAt(names, false, 0);
    return dir?.children.get(last);
  }

  /**
   * The folder at `names`, following links inside the tree. With `create`,
   * missing folders are made and a file in the way is replaced.
   */
  private dirAt(
    names: string[],
    create: boolean,
    hops: number,
  ): DirNode | undefined {
    let dir = this.root;
    const walked: string[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (name === '..') {
        walked.pop();
        dir = this.dirAt(walked, create, hops)!;
        if (!dir) return undefined;
        continue;
      }
      let next = dir.children.get(name);
      if (next?.type === 'symlink') {
        if (hops >= MAX_LINKS) {
          throw new UserError(
            'IMAGE_SYMLINK_LOOP',
            `too many symlinks at /${[...walked, name].join('/')} in the image`,
          );
        }
        const base = next.target.startsWith('/') ? [] : walked;
        const target = [...base, ...parts(next.target)];
        const resolved = this.dirAt(target, create, hops + 1);
        if (resolved) {
          dir = resolved;
          walked.splice(0, walked.length, ...normalize(target));
          continue;
        }
        if (!create) return undefined;
        next = undefined;
      }
      if (next === undefined || next.type !== 'dir') {
        if (!create) return undefined;
        if (next) {
          this.logger.debug(
            `image: /${[...walked, name].join('/')} becomes a folder`,
          );
        }
        next = emptyDir();
        dir.children.set(name, next);
      }
      dir = next;
      walked.push(name);
    }
    return dir;
  }

  /**
   * Puts `node` at `path`. A folder merges into an existing folder (or the
   * folder a link there points to) and is returned; anything else replaces
   * what was there. `source` names the origin in the debug log.
   */
  put(path: string, node: TreeNode, source: string): TreeNode {
    const names = parts(posix.normalize(path));
    const name = names.pop();
    if (name === undefined) {
      if (node.type !== 'dir') {
        throw new UserError(
          'IMAGE_PATH_INVALID',
          `${source}: cannot replace /`,
        );
      }
      return this.root;
    }
    const parent = this.dirAt(names, true, 0)!;
    const old = parent.children.get(name);
    if (old && node.type === 'dir') {
      if (old.type === 'dir') return old;
      if (old.type === 'symlink') {
        const through = this.dirAt([...names, name], false, 0);
        if (through) return through;
      }
    }
    if (old && !sameNode(old, node)) {
      this.logger.debug(
        `image: ${path} from ${source} replaces an earlier ${old.type}`,
      );
    } else if (old) return old;
    parent.children.set(name, node);
    return node;
  }
}

/** Drops "." and resolves ".." in a list of names. */
function normalize(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (n === '..') out.pop();
    else if (n !== '.' && n !== '') out.push(n);
  }
  return out;
}
