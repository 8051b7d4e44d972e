// Looking at files of a flattened image root the way the image sees
// them: links followed inside the root only, never on the host.
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { resolveInRoot } from '../elf/rooted-path.js';

/** The paths of `paths` that exist in the image. */
export async function existing(
  root: string,
  paths: string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (await resolveInRoot(root, p)) out.push(p);
  return out;
}

/** The names in an image folder, sorted; none when it is no folder. */
export async function listDir(root: string, dir: string): Promise<string[]> {
  const found = await resolveInRoot(root, dir);
  if (!found?.stats.isDirectory()) return [];
  return (await readdir(found.hostPath)).sort();
}

/**
 * Regular files below an image folder whose name passes `keep` (image
 * paths, sorted). Links inside are not followed.
 */
export async function filesBelow(
  root: string,
  dir: string,
  keep: (name: string) => boolean,
): Promise<string[]> {
  const found = await resolveInRoot(root, dir);
  if (!found?.stats.isDirectory()) return [];
  const out: string[] = [];
  const entries = await readdir(found.hostPath, {
    recursive: true,
    withFileTypes: true,
  });
  for (const e of entries) {
    if (!e.isFile() || !keep(e.name)) continue;
    const rel = posix.relative(
      found.hostPath,
      posix.join(e.parentPath, e.name),
    );
    out.push(posix.join(found.realImagePath, rel));
  }
  return out.sort();
}

/** Every *.so below `dir` (image paths), following the real layout. */
export function sharedObjects(root: string, dir: string): Promise<string[]> {
  return filesBelow(root, dir, (name) => /\.so(\.\d+)*$/.test(name));
}

/** A text file of the image, or undefined when it is not a file. */
export async function readImageText(
  root: string,
  imagePath: string,
): Promise<string | undefined> {
  const found = await resolveInRoot(root, imagePath);
  if (!found?.stats.isFile()) return undefined;
  return readFile(found.hostPath, 'utf8');
}
