// Copies chosen paths from a flattened image root into a package sysroot:
// files at their image paths (hard-linked from the root when possible),
// every symlink met on the way recreated verbatim, trees walked whole,
// folders with the image's mode.
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  readdir,
  readlink,
  symlink,
  link,
} from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { errnoCode } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveInRoot, type ImageSymlink } from '../elf/rooted-path.js';

export class SysrootWriter {
  private readonly seen = new Set<string>();
  /** Real folders already walked whole (links may lead to them again). */
  private readonly trees = new Set<string>();
  files = 0;
  symlinks = 0;
  /** Real image paths of folders that trees leave out (Python's tests). */
  readonly exclude = new Set<string>();

  constructor(
    /** The flattened image on the host. */
    readonly root: string,
    /** The package's sysroot folder. */
    readonly sysroot: string,
    private readonly logger: Logger,
  ) {}

  private host(imagePath: string): string {
    return join(this.sysroot, imagePath);
  }

  /**
   * Adds an image path: its symlink chain, then the file, or the folder
   * (its whole tree with `tree`). False when the path does not exist.
   */
  async addPath(imagePath: string, options: { tree?: boolean } = {}) {
    const key = `${options.tree ? 'T' : 'P'}${imagePath}`;
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    const found = await resolveInRoot(this.root, imagePath);
    if (!found) return false;
    await this.addSymlinks(found.symlinks);
    if (found.stats.isDirectory()) {
      if (options.tree) await this.addTree(found.realImagePath);
      else await this.addFolder(found.realImagePath);
    } else if (found.stats.isFile()) {
      await this.addFile(found.realImagePath);
    }
    return true;
  }

  async addSymlinks(links: ImageSymlink[]): Promise<void> {
    for (const l of links) await this.addSymlink(l.imagePath, l.target);
  }

  /** Places the real file (no symlink on its path) in the sysroot. */
  async addFile(realImagePath: string): Promise<void> {
    const dest = this.host(realImagePath);
    if (await exists(dest)) return;
    await mkdir(dirname(dest), { recursive: true });
    const src = join(this.root, realImagePath);
    try {
      // Same file system (both under the store's temp folder): a link
      // costs nothing and keeps the image's own hard links as links.
      await link(src, dest);
    } catch (err) {
      if (errnoCode(err) !== 'EXDEV' && errnoCode(err) !== 'EPERM') throw err;
      await copyFile(src, dest);
    }
    this.files++;
  }

  async addSymlink(imagePath: string, target: string): Promise<void> {
    const dest = this.host(imagePath);
    if (await exists(dest)) return;
    await mkdir(dirname(dest), { recursive: true });
    await symlink(target, dest);
    this.symlinks++;
  }

  /**
   * A real folder with its mode in the image (1777 for /tmp), not its
   * contents. Folders made on the way to a file get the default mode.
   */
  private async addFolder(realDir: string): Promise<void> {
    const dest = this.host(realDir);
    await mkdir(dest, { recursive: true });
    const { mode } = await lstat(join(this.root, realDir));
    await chmod(dest, mode & 0o7777);
  }

  /**
   * Every folder of the image that holds nothing (`/tmp`, `/var/tmp`,
   * PHP's `/var/lib/php/sessions`): no closure finds them, yet programs
   * write there at run time. Symlinks are not followed.
   */
  async addEmptyFolders(realDir = '/'): Promise<void> {
    const names = await readdir(join(this.root, realDir));
    if (names.length === 0 && realDir !== '/') {
      await this.addFolder(realDir);
      return;
    }
    for (const name of names.sort()) {
      const imagePath = posix.join(realDir, name);
      if (this.exclude.has(imagePath)) continue;
      const st = await lstat(join(this.root, imagePath));
      if (st.isDirectory()) await this.addEmptyFolders(imagePath);
    }
  }

  /**
   * A real folder, recursively; symlinks inside bring their targets, a
   * folder's whole tree (/opt/app/data -> /srv/data brings /srv/data/*).
   */
  private async addTree(realDir: string): Promise<void> {
    if (this.trees.has(realDir)) return;
    this.trees.add(realDir);
    await this.addFolder(realDir);
    const names = await readdir(join(this.root, realDir));
    for (const name of names.sort()) {
      const imagePath = posix.join(realDir, name);
      const st = await lstat(join(this.root, imagePath));
      if (st.isDirectory()) {
        if (!this.exclude.has(imagePath)) await this.addTree(imagePath);
      } else if (st.isFile()) {
        await this.addFile(imagePath);
      } else if (st.isSymbolicLink()) {
        await this.addSymlink(
          imagePath,
          await readlink(join(this.root, imagePath)),
        );
        if (!(await this.addPath(imagePath, { tree: true }))) {
          this.logger.debug(`dangling symlink kept: ${imagePath}`);
        }
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
