// Copies host folders into the image tree: files by reference (bytes are
// streamed later), symlinks kept as symlinks, hard links as one FileNode.
import type { Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
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

  async lstat(hostPath: string, action: string): Promise<Stats> {
    try {
      return await lstat(hostPath);
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
    const st = await this.lstat(hostPath, `adding ${source}`);
    if (st.isSymbolicLink()) {
      const target = await readlink(hostPath);
      this.tree.put(imagePath, { type: 'symlink', target }, source);
      links?.push(imagePath);
    } else if (st.isFile()) {
      this.tree.put(imagePath, this.fileNode(hostPath, st), source);
    } else if (st.isDirectory()) {
      this.tree.put(imagePath, emptyDir(), source);
      const names = (await readdir(hostPath)).sort();
      for (const name of names) {
        await this.add(
          join(hostPath, name),
          posix.join(imagePath, name),
          source,
          links,
        );
      }
    } else {
      this.logger.debug(
        `image: skipping ${hostPath} (not a file, folder or link)`,
      );
    }
  }
}
