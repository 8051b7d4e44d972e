// A small tmpfs to stand in for a full disk (mounting needs root: without
// it the tests skip), and a filler file that takes all its space.
import { execFileSync } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Mounts a tmpfs on `dir` (an empty folder); false when not allowed. */
export function tryMountTmpfs(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
}

/** Writes `dir`/filler until the disk is full; returns its path. */
export async function fillDisk(dir: string): Promise<string> {
  const path = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  const handle = await open(path, 'w');
  try {
    // Big pieces, then page-sized ones down to the last free page.
    for (const size of [chunk.length, 4096, 512]) {
      for (;;) {
        const written = await handle.write(chunk, 0, size).then(
          (r) => r.bytesWritten,
          () => 0,
        );
        if (written === 0) break;
      }
    }
  } finally {
    await handle.close();
  }
  return path;
}

/** Frees the space `fillDisk` took. */
export async function freeDisk(dir: string): Promise<void> {
  await rm(join(dir, 'filler'), { force: true });
}
