// What PHP loads at run time besides its ELF closure (runtime-notes.md):
// its ini files, extension modules, the UTC zone, and the folders on its
// include_path, where `require 'Symfony/Component/Console/...'` looks.
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ImageProgram } from './image-program.js';
import {
  existing,
  filesBelow,
  listDir,
  readImageText,
  sharedObjects,
} from './image-files.js';
import type { RuntimeExtras } from './runtime-extras.js';

const INI_DIRS = ['/usr/local/etc/php', '/etc/php'];

/** The absolute folders of an include_path value (".:/a:/b"). */
function includeDirs(value: string): string[] {
  return (
    value
      .replace(/^\s*["']?|["']?\s*$/g, '')
      .split(':')
      .map((d) => posix.normalize(d))
      // The whole image is no include folder worth copying.
      .filter((d) => d.startsWith('/') && d !== '/')
  );
}

/**
 * include_path as the image's ini files set it (any SAPI's: php.ini and
 * conf.d/*.ini under /etc/php and /usr/local/etc/php), folders only.
 * Undefined when none sets it.
 */
async function iniIncludePath(root: string): Promise<string[] | undefined> {
  let dirs: string[] | undefined;
  for (const dir of INI_DIRS) {
    for (const ini of await filesBelow(root, dir, (n) => n.endsWith('.ini'))) {
      const text = (await readImageText(root, ini)) ?? '';
      for (const m of text.matchAll(/^[ \t]*include_path[ \t]*=(.*)$/gm)) {
        dirs = [...(dirs ?? []), ...includeDirs(m[1]!)];
      }
    }
  }
  return dirs;
}

/**
 * The include_path PHP was built with, as the binary holds it (a C
 * string such as ".:/usr/share/php" on Debian, ".:/usr/local/lib/php" in
 * the official images). Else a guess from the prefix: a distribution's
 * /usr/share/php for /usr, PHP's own default <prefix>/lib/php otherwise.
 */
async function compiledIncludePath(program: ImageProgram): Promise<string[]> {
  const elf = await readFile(program.hostPath).catch(() => undefined);
  const at = elf?.indexOf('\0.:/') ?? -1;
  if (elf && at >= 0) {
    const end = elf.indexOf(0, at + 1);
    const text = elf.subarray(at + 1, end).toString('latin1');
    if (/^[\x21-\x7e]+$/.test(text)) return includeDirs(text);
  }
  const prefix = posix.dirname(posix.dirname(program.realImagePath));
  return [prefix === '/usr' ? '/usr/share/php' : `${prefix}/lib/php`];
}

export async function phpExtras(
  root: string,
  program: ImageProgram,
): Promise<RuntimeExtras> {
  const extDirs = ['/usr/local/lib/php/extensions'];
  for (const name of await listDir(root, '/usr/lib/php')) {
    // Debian: /usr/lib/php/<API date>/, e.g. 20220829.
    if (/^\d{8}$/.test(name)) extDirs.push(`/usr/lib/php/${name}`);
  }
  const include =
    (await iniIncludePath(root)) ?? (await compiledIncludePath(program));
  const paths = await existing(root, [
    ...INI_DIRS,
    ...extDirs,
    ...new Set(include),
    '/usr/share/zoneinfo/UTC',
    '/etc/localtime',
  ]);
  const modules: string[] = [];
  for (const d of extDirs) modules.push(...(await sharedObjects(root, d)));
  return { language: 'php', paths, modules };
}
