// The file tree that goes into a root filesystem, before any byte is laid
// out. Built by the manifest step; consumed by the TFS writer.
import type { TfsValue, Tuple } from '../tfs/value.js';

/** Where a file's bytes come from: streamed from the host, or in memory. */
export type FileSource =
  | { kind: 'host'; path: string; sizeBytes: number }
  | { kind: 'bytes'; data: Uint8Array };

export interface FileNode {
  type: 'file';
  source: FileSource;
  /** Extra tuple keys for this file, e.g. `exec` or `readonly` flags. */
  attrs?: Tuple;
}

export interface SymlinkNode {
  type: 'symlink';
  /** Stored verbatim; resolved by the kernel inside the image. */
  target: string;
}

export interface DirNode {
  type: 'dir';
  /** Insertion order is the order written. */
  children: Map<string, TreeNode>;
}

/**
 * A node. The same FileNode object under two names is a hard link: the
 * writer stores its tuple once and references it from the second name.
 */
export type TreeNode = FileNode | SymlinkNode | DirNode;

export function emptyDir(): DirNode {
  return { type: 'dir', children: new Map() };
}

/** What the image writer needs to produce one bootable disk. */
export interface ImageSpec {
  /** boot.img: stage1 + stage2 (BIOS), or absent for the 512-byte stub. */
  bootImage?: FileSource;
  /** The kernel ELF, stored as /kernel in the boot filesystem. */
  kernel: FileSource;
  /** Kernel libraries, stored as /klib/<name> in the boot filesystem. */
  klibs: Map<string, FileSource>;
  /** With a UEFI loader (bootx64.efi), an EFI system partition is added. */
  uefiLoader?: { name: 'bootx64.efi' | 'bootaa64.efi'; source: FileSource };
  /** The root tree: the app, its libraries, generated /etc files. */
  root: DirNode;
  /**
   * Root tuple keys besides `children`: program, arguments, environment,
   * klibs, reboot_on_exit, debug_exit, pass-through keys. Insertion order
   * is kept.
   */
  manifest: Map<string, TfsValue>;
  rootLabel?: string;
  /** 16 bytes each. When absent, derived from the content (reproducible). */
  rootUuid?: Uint8Array;
  bootUuid?: Uint8Array;
  /** Minimum total image size (BaseVolumeSz). */
  minSizeBytes?: number;
  /**
   * Free space the root filesystem keeps at least, beyond the slack
   * every image has (package images without BaseVolumeSz).
   */
  minFreeBytes?: number;
}
