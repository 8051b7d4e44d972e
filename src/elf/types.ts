// What the ELF resolver returns: files the image needs and how they were
// found.
import type { ElfInfo } from './parse.js';
import type { ImageSymlink } from './rooted-path.js';
import type { ElfArch } from './search-paths.js';

/** A file the image needs, with the links that lead to it. */
export interface ResolvedElfFile {
  /** The path the loader opens, e.g. /lib64/ld-linux-x86-64.so.2. */
  imagePath: string;
  /** Where the real file goes: imagePath with all links resolved. */
  realImagePath: string;
  /** The bytes to copy. */
  hostPath: string;
  /**
   * Links to create in the image (image path -> verbatim target) so that
   * imagePath leads to realImagePath, as in the source root.
   */
  symlinks: ImageSymlink[];
}

/** How a library was found; 'ld.so.conf' folders need LD_LIBRARY_PATH. */
export type FoundVia =
  'path' | 'rpath' | 'ld_library_path' | 'runpath' | 'ld.so.conf' | 'default';

export interface ResolvedLibrary extends ResolvedElfFile {
  /** The DT_NEEDED name. */
  name: string;
  /** Image paths of the objects that need it. */
  neededBy: string[];
  via: FoundVia;
  /** The folder it was found in (image path). */
  dir: string;
}

export interface ElfDeps {
  program: ElfInfo;
  interpreter?: ResolvedElfFile;
  libraries: ResolvedLibrary[];
  isStatic: boolean;
  libc: 'glibc' | 'musl';
}

export interface ResolveElfOptions {
  /**
   * The tree libraries come from (TargetRoot or a package sysroot); every
   * lookup and symlink stays inside it. Default "/": the host.
   */
  root?: string;
  /** The program's path in the image, for $ORIGIN (default: from root). */
  programImagePath?: string;
  /** LD_LIBRARY_PATH from the config's Env, split on ":". */
  ldLibraryPath?: string[];
  /** The kernel's architecture: a program for another one is an error. */
  arch?: ElfArch;
  /** More ELF objects whose needs join the closure (e.g. libnss_dns). */
  extraObjects?: ResolvedElfFile[];
}
