// What Python loads at run time besides its ELF closure: the standard
// library of its prefix (runtime-notes.md), and every folder it puts on
// sys.path from the image: a venv's site-packages (and pyvenv.cfg, which
// makes it the prefix), Debian's dist-packages, PYTHONPATH.
import { posix } from 'node:path';
import type { ImageProgram } from './image-program.js';
import {
  existing,
  listDir,
  readImageText,
  sharedObjects,
} from './image-files.js';
import type { RuntimeExtras } from './runtime-extras.js';

/** lib/pythonX.Y folders of a prefix: the version's, or any. */
async function libTrees(
  root: string,
  prefix: string,
  version: string | undefined,
): Promise<string[]> {
  const libDir = posix.join(prefix, 'lib');
  const names = (await listDir(root, libDir)).filter((n) =>
    version ? n === `python${version}` : /^python\d+\.\d+$/.test(n),
  );
  return names.map((n) => posix.join(libDir, n));
}

/**
 * The venv the program runs in: as Python finds it, a pyvenv.cfg beside
 * the executable or one folder up (/opt/venv/bin/python3 ->
 * /opt/venv/pyvenv.cfg), or the image's VIRTUAL_ENV. Returns its folder
 * and the prefix of the Python it was made from (`home`).
 */
async function findVenv(
  root: string,
  program: ImageProgram,
  env: Record<string, string>,
): Promise<{ dir: string; home?: string } | undefined> {
  const bin = posix.dirname(program.imagePath);
  const candidates = [bin, posix.dirname(bin)];
  if (env.VIRTUAL_ENV?.startsWith('/')) candidates.push(env.VIRTUAL_ENV);
  for (const dir of candidates) {
    const cfg = await readImageText(root, posix.join(dir, 'pyvenv.cfg'));
    if (cfg === undefined) continue;
    const home = /^\s*home\s*=\s*(\/\S*)\s*$/m.exec(cfg)?.[1];
    return home ? { dir, home: posix.dirname(home) } : { dir };
  }
  return undefined;
}

export async function pythonExtras(
  root: string,
  program: ImageProgram,
  env: Record<string, string>,
): Promise<RuntimeExtras> {
  // The prefix is two levels above the real binary (/usr/local/bin/x).
  const prefix = posix.dirname(posix.dirname(program.realImagePath));
  const version = /python(\d+\.\d+)/.exec(
    posix.basename(program.realImagePath),
  )?.[1];
  const trees = await libTrees(root, prefix, version);
  const venv = await findVenv(root, program, env);
  // A venv made with --copies has its own binary: the standard library
  // is still under the prefix pyvenv.cfg names as home.
  if (venv?.home && venv.home !== prefix) {
    trees.push(...(await libTrees(root, venv.home, version)));
  }
  const versions = new Set(trees.map((t) => posix.basename(t).slice(6)));
  const sites: string[] = [];
  if (venv) {
    for (const t of await libTrees(root, venv.dir, version)) {
      sites.push(posix.join(t, 'site-packages'));
    }
  }
  // Debian's own and pip's folders for the system Python (site.py).
  for (const v of versions) {
    sites.push(`/usr/local/lib/python${v}/dist-packages`);
    sites.push(`/usr/lib/python${v}/dist-packages`);
  }
  sites.push('/usr/lib/python3/dist-packages');
  for (const d of (env.PYTHONPATH ?? '').split(':')) {
    if (d.startsWith('/')) sites.push(posix.normalize(d));
  }
  const found = await existing(root, [...new Set(sites)]);
  const paths = await existing(root, [
    ...trees,
    ...(venv ? [posix.join(venv.dir, 'pyvenv.cfg')] : []),
    ...found,
  ]);
  const modules: string[] = [];
  for (const t of trees) {
    modules.push(...(await sharedObjects(root, posix.join(t, 'lib-dynload'))));
  }
  for (const d of found) modules.push(...(await sharedObjects(root, d)));
  // The standard library's own test suite is about half its size.
  const exclude = trees.map((t) => posix.join(t, 'test'));
  return { language: 'python', paths, modules, exclude };
}
