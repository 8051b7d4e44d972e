// Dirs, Files, MapDirs, Kernel, Boot and TargetRoot: host paths resolved
// against the config file's folder, checked, and mapped into the image.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, posix, resolve } from 'node:path';
import { errnoCode } from '../errors.js';
import { formatKeyPath } from './validate.js';
import { globToRegExp, hasGlob, imagePathFor } from './image-path.js';
import type { RawConfig, ResolvedPathMapping } from './types.js';

/** Collects problems instead of stopping at the first. */
export type Problems = string[];

type Kind = 'file' | 'dir' | 'any';

/** Checks that a host path exists with the right kind; records a problem. */
export async function checkHostPath(
  key: string,
  written: string,
  hostPath: string,
  kind: Kind,
  problems: Problems,
): Promise<boolean> {
  const shown =
    written === hostPath ? written : `${written} (resolved to ${hostPath})`;
  try {
    const st = await stat(hostPath);
    if (kind === 'dir' && !st.isDirectory()) {
      problems.push(`${key}: ${shown} is not a folder; list files in Files`);
      return false;
    }
    if (kind === 'file' && !st.isFile()) {
      // Files[] and Kernel take files; a folder there belongs in Dirs.
      // The program must be a file too, and no Dirs entry changes that.
      const isProgram = key === 'Program' || key.startsWith('program');
      const advice = !st.isDirectory()
        ? ''
        : isProgram
          ? ': a folder; name the executable inside it'
          : '; list folders in Dirs';
      problems.push(`${key}: ${shown} is not a file${advice}`);
      return false;
    }
    return true;
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'does not exist'
        : `cannot be read (${code ?? String(err)})`;
    problems.push(`${key}: ${shown} ${why}`);
    return false;
  }
}

async function mapList(
  key: 'Dirs' | 'Files',
  list: string[] | undefined,
  baseDir: string,
  problems: Problems,
): Promise<ResolvedPathMapping[]> {
  const out: ResolvedPathMapping[] = [];
  for (const [i, written] of (list ?? []).entries()) {
    const hostPath = resolve(baseDir, written);
    const kind = key === 'Dirs' ? 'dir' : 'file';
    const where = formatKeyPath([key, i]);
    if (await checkHostPath(where, written, hostPath, kind, problems)) {
      out.push({ hostPath, imagePath: imagePathFor(written) });
    }
  }
  return out;
}

/** Dirs and Files: each keeps its path as written, rooted at "/". */
export async function resolveDirsAndFiles(
  raw: RawConfig,
  baseDir: string,
  problems: Problems,
): Promise<{ dirs: ResolvedPathMapping[]; files: ResolvedPathMapping[] }> {
  return {
    dirs: await mapList('Dirs', raw.Dirs, baseDir, problems),
    files: await mapList('Files', raw.Files, baseDir, problems),
  };
}

/**
 * MapDirs: {"host": "/image/dir"}. A glob in the last component maps each
 * match to /image/dir/<name>; a plain path maps that folder (its
 * contents) or file to /image/dir itself.
 */
export async function resolveMapDirs(
  raw: RawConfig,
  baseDir: string,
  problems: Problems,
): Promise<ResolvedPathMapping[]> {
  const out: ResolvedPathMapping[] = [];
  for (const [written, dest] of Object.entries(raw.MapDirs ?? {})) {
    const where = formatKeyPath(['MapDirs', written]);
    if (!dest.startsWith('/')) {
      problems.push(`${where}: "${dest}" must be an absolute image path`);
      continue;
    }
    const target = posix.normalize(dest);
    const hostPath = resolve(baseDir, written);
    if (!hasGlob(written)) {
      if (await checkHostPath(where, written, hostPath, 'any', problems)) {
        out.push({ hostPath, imagePath: target });
      }
      continue;
    }
    const parent = dirname(hostPath);
    if (hasGlob(parent)) {
      problems.push(`${where}: a glob is allowed only in the last component`);
      continue;
    }
    if (
      !(await checkHostPath(where, dirname(written), parent, 'dir', problems))
    ) {
      continue;
    }
    const re = globToRegExp(basename(hostPath));
    const names = (await readdir(parent)).filter((n) => re.test(n)).sort();
    if (names.length === 0) {
      problems.push(`${where}: matches nothing in ${parent}`);
    }
    for (const name of names) {
      out.push({
        hostPath: resolve(parent, name),
        imagePath: posix.join(target, name),
      });
    }
  }
  return out;
}

/** Kernel, Boot: optional files, resolved against baseDir. */
export async function resolveOptionalFile(
  key: 'Kernel' | 'Boot',
  written: string | undefined,
  baseDir: string,
  problems: Problems,
): Promise<string | undefined> {
  if (written === undefined) return undefined;
  const hostPath = resolve(baseDir, written);
  return (await checkHostPath(key, written, hostPath, 'file', problems))
    ? hostPath
    : undefined;
}

/** TargetRoot: a folder; flags pass it already absolute. */
export async function resolveTargetRoot(
  written: string | undefined,
  baseDir: string,
  problems: Problems,
): Promise<string | undefined> {
  if (written === undefined) return undefined;
  const hostPath = isAbsolute(written) ? written : resolve(baseDir, written);
  return (await checkHostPath('TargetRoot', written, hostPath, 'dir', problems))
    ? hostPath
    : undefined;
}
