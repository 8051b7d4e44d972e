// Plans one TFS in the canonical ops-style profile (§2.10): assigns every
// file's data a sector run from sector 1025 on, in depth-first entry
// order, and builds the tuple graph that describes the tree.
import { UserError } from '../errors.js';
import type { DirNode, FileNode, FileSource, TreeNode } from '../image/tree.js';
import { EXTENSION_SECTORS, SECTOR_BYTES } from './log-writer.js';
import { Tuple, type TfsValue } from './value.js';

/** The kernel's MAX_EXTENT_SIZE: 65 536 sectors (32 MiB) per extent. */
export const MAX_EXTENT_SECTORS = 65536;
/** First data sector: after sector 0 and the first 1024-sector extension. */
export const FIRST_DATA_SECTOR = 1 + EXTENSION_SECTORS;
const MAX_NAME_BYTES = 255;
/** Keys the writer sets itself on a file tuple. */
const RESERVED_FILE_KEYS = ['filelength', 'extents', 'children', 'linktarget'];

/** One file's data: where it comes from and where it goes (fs sectors). */
export interface DataPlacement {
  /** Path inside the TFS, for messages. */
  path: string;
  source: FileSource;
  sizeBytes: number;
  sector: number;
}

export interface TfsPlan {
  root: Tuple;
  /** Files with data, in the order their sectors were assigned. */
  placements: DataPlacement[];
  /** The next free sector after all data (where extensions go next). */
  nextSector: number;
}

/** Size in bytes of a file source. */
export function sourceSize(source: FileSource): number {
  return source.kind === 'host' ? source.sizeBytes : source.data.length;
}

/** Checks a directory entry name (§2.7); throws a UserError naming it. */
export function validateName(name: string, dir: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  let why: string | undefined;
  if (name === '' || name === '.' || name === '..') why = 'is reserved';
  else if (name.includes('/')) why = 'contains "/"';
  else if (name.includes('\0')) why = 'contains a NUL byte';
  else if (bytes > MAX_NAME_BYTES) why = `is ${bytes} bytes (max 255)`;
  if (why) {
    throw new UserError(
      'IMAGE_NAME_INVALID',
      `file name "${name}" in ${dir} ${why}`,
      { hint: 'rename the file or leave it out of the image' },
    );
  }
}

function linkTarget(node: { target: string }, path: string): string {
  // An empty string encodes as nil: the kernel would see a plain file.
  if (node.target === '' || node.target.includes('\0')) {
    throw new UserError(
      'IMAGE_SYMLINK_INVALID',
      `symlink ${path} has an empty target or one with a NUL byte`,
      { hint: 'point the link at a path, or leave it out' },
    );
  }
  return node.target;
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

class Planner {
  next = FIRST_DATA_SECTOR;
  readonly placements: DataPlacement[] = [];
  private readonly tuples = new Map<TreeNode, Tuple>();

  node(node: TreeNode, path: string): Tuple {
    const seen = this.tuples.get(node);
    if (seen) return seen; // a hard link: the encoder references it
    const t = new Tuple();
    this.tuples.set(node, t);
    if (node.type === 'dir') t.set('children', this.dir(node, path));
    else if (node.type === 'symlink')
      t.set('linktarget', linkTarget(node, path));
    else this.file(node, t, path);
    return t;
  }

  dir(node: DirNode, path: string): Tuple {
    const children = new Tuple();
    for (const [name, child] of node.children) {
      validateName(name, path);
      children.set(name, this.node(child, join(path, name)));
    }
    return children;
  }

  private file(node: FileNode, t: Tuple, path: string): void {
    const size = sourceSize(node.source);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new UserError('IMAGE_FILE_SIZE', `${path}: bad size ${size}`);
    }
    const sectors = Math.ceil(size / SECTOR_BYTES);
    const extents = new Tuple();
    for (let k = 0; k < sectors; k += MAX_EXTENT_SECTORS) {
      const length = Math.min(MAX_EXTENT_SECTORS, sectors - k);
      const extent = new Tuple();
      extent.set('length', String(length));
      extent.set('offset', String(this.next + k));
      extent.set('allocated', String(length));
      extents.set(String(k), extent);
    }
    t.set('filelength', String(size));
    t.set('extents', extents);
    for (const [key, v] of node.attrs ?? []) {
      if (RESERVED_FILE_KEYS.includes(key)) {
        throw new UserError(
          'IMAGE_ATTR_RESERVED',
          `${path}: attribute "${key}" is set by the image writer`,
          { hint: `remove "${key}" from the file's attributes` },
        );
      }
      t.set(key, v);
    }
    if (size > 0) {
      this.placements.push({
        path,
        source: node.source,
        sizeBytes: size,
        sector: this.next,
      });
      this.next += sectors;
    }
  }
}

/**
 * Plans a TFS: the root tuple is `{children, ...manifest}` in that order
 * (manifest insertion order kept); data from sector 1025.
 */
export function planTfs(
  tree: DirNode,
  manifest: Map<string, TfsValue> = new Map(),
): TfsPlan {
  const planner = new Planner();
  const root = new Tuple();
  root.set('children', planner.dir(tree, '/'));
  for (const [key, v] of manifest) {
    if (key === 'children') {
      throw new UserError(
        'MANIFEST_CHILDREN',
        'the manifest must not set "children": it is the file tree',
        { hint: 'add files to the tree instead' },
      );
    }
    root.set(key, v);
  }
  return {
    root,
    placements: planner.placements,
    nextSector: planner.next,
  };
}
