// Where the dynamic loader looks for libraries: ld.so.conf (with its
// include globs), musl's path file, and the built-in default folders. All
// read inside the root.
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { globToRegExp, hasGlob } from '../config/image-path.js';
import { resolveInRoot } from './rooted-path.js';

export type Libc = 'glibc' | 'musl';

/** The guest architecture names as Nanos releases spell them. */
export type ElfArch = 'x86_64' | 'aarch64';

/** glibc's built-in folders (Debian multiarch first, then the FHS ones). */
export function glibcDefaultDirs(arch: string): string[] {
  return [
    `/lib/${arch}-linux-gnu`,
    `/usr/lib/${arch}-linux-gnu`,
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
  ];
}

export const MUSL_DEFAULT_DIRS = ['/lib', '/usr/local/lib', '/usr/lib'];

/** Which libc a program uses, from its interpreter's name. */
export function libcOf(interpreter: string | undefined): Libc {
  return interpreter && /ld-musl-/.test(interpreter) ? 'musl' : 'glibc';
}

/** Names musl's loader satisfies itself (it is libc, libm, libdl...). */
export function isMuslBuiltin(name: string): boolean {
  return (
    /^lib(c|pthread|rt|m|dl|util|xnet|crypt|resolv)\.so(\.|$)/.test(name) ||
    name.startsWith('libc.musl-') ||
    name.startsWith('ld-musl-')
  );
}

async function readInRoot(
  root: string,
  path: string,
): Promise<string | undefined> {
  const found = await resolveInRoot(root, path);
  if (!found || !found.stats.isFile()) return undefined;
  return readFile(found.hostPath, 'utf8').catch(() => undefined);
}

async function expandInclude(root: string, pattern: string): Promise<string[]> {
  const abs = pattern.startsWith('/') ? pattern : `/etc/${pattern}`;
  const dir = posix.dirname(abs);
  const base = posix.basename(abs);
  if (!hasGlob(base)) return [abs];
  const found = await resolveInRoot(root, dir);
  if (!found || !found.stats.isDirectory()) return [];
  const re = globToRegExp(base);
  const names = await readdir(found.hostPath).catch(() => [] as string[]);
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => posix.join(dir, n));
}

async function readConf(
  root: string,
  path: string,
  seen: Set<string>,
  out: string[],
): Promise<void> {
  if (seen.has(path)) return;
  seen.add(path);
  const text = await readInRoot(root, path);
  if (text === undefined) return;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '' || line.startsWith('hwcap ')) continue;
    const include = /^include\s+(.+)$/.exec(line);
    if (include) {
      for (const pattern of include[1]!.split(/\s+/)) {
        for (const file of await expandInclude(root, pattern)) {
          await readConf(root, file, seen, out);
        }
      }
      continue;
    }
    for (const dir of line.split(/[\s:,]+/)) {
      if (dir.startsWith('/') && !out.includes(dir)) out.push(dir);
    }
  }
}

/** The folders listed by /etc/ld.so.conf and its includes, in order. */
export async function readLdSoConf(root: string): Promise<string[]> {
  const out: string[] = [];
  await readConf(root, '/etc/ld.so.conf', new Set(), out);
  return out;
}

/** musl: /etc/ld-musl-<arch>.path replaces the defaults when present. */
export async function muslSearchDirs(
  root: string,
  arch: string,
): Promise<string[]> {
  const text = await readInRoot(root, `/etc/ld-musl-${arch}.path`);
  if (text === undefined) return MUSL_DEFAULT_DIRS;
  return text
    .split(/[\n:]+/)
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

/**
 * Expands $ORIGIN, $LIB and $PLATFORM (also in ${...} form) in a DT_RPATH
 * or DT_RUNPATH entry. $LIB may mean several folders depending on the
 * distribution, so every likely one is returned.
 */
export function expandDynamicTokens(
  entry: string,
  origin: string,
  arch: string,
): string[] {
  const withOrigin = entry.replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin);
  const withPlatform = withOrigin.replace(/\$(\{PLATFORM\}|PLATFORM)/g, arch);
  if (!/\$(\{LIB\}|LIB)/.test(withPlatform)) return [withPlatform];
  return [`lib/${arch}-linux-gnu`, 'lib64', 'lib'].map((lib) =>
    withPlatform.replace(/\$(\{LIB\}|LIB)/g, lib),
  );
}
