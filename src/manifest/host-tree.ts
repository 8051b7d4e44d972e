// Copies host folders into the image tree: files by reference (bytes are
// streamed later), symlinks kept as symlinks, hard links as one FileNode.
// The walk uses the synchronous calls: for metadata they are about ten
// times faster than a thread-pool round trip each (7,500 files: 70 ms
// instead of 800 ms), and the bytes themselves are read asynchronously.
import {
  lstatSync as lstat,
  readdirSync as readdir,
  readlinkSync as readlink,
  statSync as stat,
  type Stats,
} from 'node:fs';
import { join, posix } from 'node:path';
import { describeFsError } from '../errors.js';
import { emptyDir, type FileNode } from '../image/tree.js';
import type { Logger } from '../log.js';
import type { TreeBuilder } from './tree-ops.js';

/** State shared by every copy in one build. */
export class HostCopier {
  /** dev:ino -> node, so hard links stay hard links. */
  private readonly inodes = new Map<string, FileNode>();

  constructor(
    readonly tree: TreeBuilder,
    private readonly logger: Logger,
  ) {}

  /** A FileNode for a host file; the same inode gives the same node. */
  fileNode(hostPath: string, st: Stats): FileNode {
    const key = `${st.dev}:${st.ino}`;
    const known = st.nlink > 1 ? this.inodes.get(key) : undefined;
    if (known) return known;
    const node: FileNode = {
      type: 'file',
      source: { kind: 'host', path: hostPath, sizeBytes: st.size },
    };
    if (st.nlink > 1) this.inodes.set(key, node);
    return node;
  }

  private lstat(hostPath: string, action: string): Stats {
    try {
      return lstat(hostPath);
    } catch (err) {
      throw describeFsError(err, action, hostPath);
    }
  }

  private stat(hostPath: string, action: string): Stats {
    try {
      return stat(hostPath);
    } catch (err) {
      throw describeFsError(err, action, hostPath);
    }
  }

  private readlink(hostPath: string, action: string): string {
    try {
      return readlink(hostPath);
    } catch (err) {
      throw describeFsError(err, action, hostPath);
    }
  }

  private readdir(hostPath: string, action: string): string[] {
    try {
      return readdir(hostPath);
    } catch (err) {
      throw describeFsError(err, action, hostPath);
    }
  }

  /**
   * Adds one host file, folder (recursively) or symlink at imagePath. The
   * image paths of symlinks met are pushed to `links` when given.
   */
  async add(
    hostPath: string,
    imagePath: string,
    source: string,
    links?: string[],
  ): Promise<void> {
    this.addEntry(hostPath, imagePath, source, links, false);
  }

  /**
   * Adds a path the user named (a Files, Dirs or MapDirs entry): a link
   * there is followed, since its target may not be in the image; links
   * inside a folder are kept.
   */
  async addNamed(
    hostPath: string,
    imagePath: string,
    source: string,
  ): Promise<void> {
    this.addEntry(hostPath, imagePath, source, undefined, true);
  }

  /**
   * A MapDirs match: a link to a folder is followed; a link to a file is
   * kept (its target is usually matched too, as with libfoo.so).
   */
  async addMapped(
    hostPath: string,
    imagePath: string,
    source: string,
  ): Promise<void> {
    const target = stat(hostPath, { throwIfNoEntry: false });
    this.addEntry(
      hostPath,
      imagePath,
      source,
      undefined,
      target?.isDirectory() ?? false,
    );
  }

  private addEntry(
    hostPath: string,
    imagePath: string,
    source: string,
    links: string[] | undefined,
    follow: boolean,
  ): void {
    const st = follow
      ? this.stat(hostPath, `adding ${source}`)
      : this.lstat(hostPath, `adding ${source}`);
    if (st.isSymbolicLink()) {
      const target = this.readlink(hostPath, `adding ${source}`);
      this.tree.put(imagePath, { type: 'symlink', target }, source);
      links?.push(imagePath);
    } else if (st.isFile()) {
      this.tree.put(imagePath, this.fileNode(hostPath, st), source);
    } else if (st.isDirectory()) {
      this.tree.put(imagePath, emptyDir(), source);
      const names = this.readdir(hostPath, `adding ${source}`).sort();
      for (const name of names) {
        this.addEntry(
          join(hostPath, name),
          posix.join(imagePath, name),
          source,
          links,
          false,
        );
      }
    } else {
      this.logger.debug(
        `image: skipping ${hostPath} (not a file, folder or link)`,
      );
    }
  }
}
