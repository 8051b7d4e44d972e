// PHP reads every ini file of its conf.d folders at start. One that loads
// a module Skiff left out (its libraries are missing from the image) would
// make PHP warn "Unable to load dynamic library" on every run, so such a
// line is commented out in the package's copy.
import { lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { resolveInRoot } from '../elf/rooted-path.js';

/** Where the official images and Debian keep PHP's ini files. */
const INI_DIRS = ['/usr/local/etc/php', '/etc/php'];

const LOAD = /^\s*(?:zend_)?extension\s*=\s*["']?([^"';\s]+)["']?/;

/** True when the `extension=` value names the module at `modulePath`. */
function names(value: string, modulePath: string): boolean {
  if (value.startsWith('/')) return value === modulePath;
  const file = posix.basename(modulePath);
  const base = posix.basename(value);
  return base === file || `${base}.so` === file;
}

async function iniFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    // Links are left alone: they lead to files walked on their own
    // (Debian's conf.d -> mods-available), or outside the package.
    if (e.isDirectory()) out.push(...(await iniFiles(path)));
    else if (e.isFile() && e.name.endsWith('.ini')) out.push(path);
  }
  return out;
}

/**
 * Comments out the lines of the sysroot's PHP ini files that load one of
 * `modules` (image paths). Returns the image paths of the files changed.
 */
export async function dropModuleLoads(
  sysroot: string,
  modules: string[],
): Promise<string[]> {
  if (modules.length === 0) return [];
  const changed: string[] = [];
  for (const dir of INI_DIRS) {
    // Links on the way are followed inside the sysroot, never the host.
    const found = await resolveInRoot(sysroot, dir);
    if (!found?.stats.isDirectory()) continue;
    for (const path of await iniFiles(found.hostPath)) {
      const text = await readFile(path, 'utf8');
      let hit = false;
      const lines = text.split('\n').map((line) => {
        const value = LOAD.exec(line)?.[1];
        if (!value || !modules.some((m) => names(value, m))) return line;
        hit = true;
        return `; left out by skiff, its libraries are missing: ${line}`;
      });
      if (!hit) continue;
      // A new file: the old one may be a hard link into the image.
      const { mode } = await lstat(path);
      await rm(path);
      await writeFile(path, lines.join('\n'), { mode });
      changed.push(`/${posix.relative(sysroot, path)}`);
    }
  }
  return changed;
}
