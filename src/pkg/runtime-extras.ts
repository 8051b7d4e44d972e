// What interpreted runtimes need besides their ELF closure, found in the
// image (runtime-notes.md): PHP's ini files, extension modules and the UTC
// zone; Python's standard library; a CA bundle for anything that does TLS.
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { resolveInRoot } from '../elf/rooted-path.js';
import type { ImageProgram } from './image-program.js';

export interface RuntimeExtras {
  language?: string;
  /** Image paths to copy (folders whole). Missing ones are skipped. */
  paths: string[];
  /** Image paths of ELF modules loaded at run time (their deps count). */
  modules: string[];
  /** Folders inside `paths` to leave out. */
  exclude?: string[];
}

const CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

async function existing(root: string, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (await resolveInRoot(root, p)) out.push(p);
  return out;
}

async function listDir(root: string, dir: string): Promise<string[]> {
  const found = await resolveInRoot(root, dir);
  if (!found?.stats.isDirectory()) return [];
  return (await readdir(found.hostPath)).sort();
}

/** Every *.so below `dir` (image paths), following the real layout. */
async function sharedObjects(root: string, dir: string): Promise<string[]> {
  const found = await resolveInRoot(root, dir);
  if (!found?.stats.isDirectory()) return [];
  const out: string[] = [];
  const entries = await readdir(found.hostPath, {
    recursive: true,
    withFileTypes: true,
  });
  for (const e of entries) {
    if (!e.isFile() || !/\.so(\.\d+)*$/.test(e.name)) continue;
    const rel = posix.relative(
      found.hostPath,
      posix.join(e.parentPath, e.name),
    );
    out.push(posix.join(found.realImagePath, rel));
  }
  return out.sort();
}

async function phpExtras(root: string): Promise<RuntimeExtras> {
  const extDirs = ['/usr/local/lib/php/extensions'];
  for (const name of await listDir(root, '/usr/lib/php')) {
    // Debian: /usr/lib/php/<API date>/, e.g. 20220829.
    if (/^\d{8}$/.test(name)) extDirs.push(`/usr/lib/php/${name}`);
  }
  const paths = await existing(root, [
    '/usr/local/etc/php',
    '/etc/php',
    ...extDirs,
    '/usr/share/zoneinfo/UTC',
    '/etc/localtime',
  ]);
  const modules: string[] = [];
  for (const d of extDirs) modules.push(...(await sharedObjects(root, d)));
  return { language: 'php', paths, modules };
}

async function pythonExtras(
  root: string,
  program: ImageProgram,
): Promise<RuntimeExtras> {
  // The prefix is two levels above the real binary (/usr/local/bin/x).
  const prefix = posix.dirname(posix.dirname(program.realImagePath));
  const libDir = posix.join(prefix, 'lib');
  const versioned = /python(\d+\.\d+)/.exec(
    posix.basename(program.realImagePath),
  );
  const names = (await listDir(root, libDir)).filter((n) =>
    versioned ? n === `python${versioned[1]}` : /^python\d+\.\d+$/.test(n),
  );
  const trees = names.map((n) => posix.join(libDir, n));
  const paths = await existing(root, [
    ...trees,
    '/usr/lib/python3/dist-packages',
  ]);
  const modules: string[] = [];
  for (const t of trees) {
    modules.push(...(await sharedObjects(root, posix.join(t, 'lib-dynload'))));
  }
  // The standard library's own test suite is about half its size.
  const exclude = trees.map((t) => posix.join(t, 'test'));
  return { language: 'python', paths, modules, exclude };
}

/** Extras for the program's runtime, plus a CA bundle when present. */
export async function runtimeExtras(
  root: string,
  program: ImageProgram,
): Promise<RuntimeExtras> {
  const names = [program.realImagePath, program.imagePath].map((p) =>
    posix.basename(p),
  );
  let extras: RuntimeExtras = { paths: [], modules: [] };
  if (names.some((n) => /^php(-fpm|-cgi)?[\d.]*$/.test(n))) {
    extras = await phpExtras(root);
  } else if (names.some((n) => /^python\d*(\.\d+)?$/.test(n))) {
    extras = await pythonExtras(root, program);
  } else if (names.some((n) => /^node(js)?$/.test(n))) {
    extras.language = 'node';
  }
  extras.paths.push(...(await existing(root, CA_BUNDLES)));
  return extras;
}
