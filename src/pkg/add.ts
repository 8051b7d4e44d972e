// `pkg add`: a package folder or a .tar.gz of one into the store. Both the
// published layout (a top folder <name>_<version>/) and ops' `pkg add`
// layout (package.manifest at the top) are accepted. Archives are
// unpacked with the same checks as image layers: nothing lands outside.
import { cp, lstat, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  describeFsError,
  rewordError,
  SkiffError,
  UserError,
} from '../errors.js';
import type { Logger } from '../log.js';
import { flattenLayers } from '../oci/flatten.js';
import {
  MANIFEST_FILE,
  readPackageManifest,
  SYSROOT_DIR,
  writePackageManifest,
} from './manifest-file.js';
import { normalizeOpsLayout } from './load.js';
import { parsePackageSpec, splitPackageDir, type PackageId } from './names.js';
import type { PackageStore, StoredPackage } from './store.js';

export interface AddPackageOptions {
  /** A folder or a .tar.gz. */
  source: string;
  /** --name, optionally name:version. */
  name?: string | undefined;
  store: PackageStore;
  logger: Logger;
}

async function hasManifest(dir: string): Promise<boolean> {
  return lstat(join(dir, MANIFEST_FILE)).then(
    () => true,
    () => false,
  );
}

/** The package folder inside an unpacked archive, and its own name. */
async function findPackageDir(
  unpacked: string,
  source: string,
): Promise<{ dir: string; dirName?: string }> {
  if (await hasManifest(unpacked)) return { dir: unpacked };
  const names = (await readdir(unpacked)).filter((n) => !n.startsWith('.'));
  const packages: string[] = [];
  for (const name of names.sort()) {
    // Real folders only: a link could lead out to the host.
    const st = await lstat(join(unpacked, name));
    if (st.isDirectory() && (await hasManifest(join(unpacked, name)))) {
      packages.push(name);
    }
  }
  if (packages.length === 1 && names.length === 1) {
    return { dir: join(unpacked, names[0]!), dirName: names[0]! };
  }
  throw await notOnePackage(unpacked, source, names, packages);
}

const PACKAGE_LAYOUT =
  'a package is <name>_<version>/package.manifest + sysroot/';

/** What the top of the archive (or folder) holds instead of one package. */
async function notOnePackage(
  unpacked: string,
  source: string,
  names: string[],
  packages: string[],
): Promise<UserError> {
  if (packages.length > 1) {
    return new UserError(
      'PACKAGE_INVALID',
      `${source} holds ${packages.length} packages: ${packages.join(', ')}`,
      {
        hint:
          'add them one at a time, each from an archive of its own ' +
          `(tar czf ${packages[0]}.tar.gz ${packages[0]}/)`,
      },
    );
  }
  const others = names.filter((n) => n !== packages[0]);
  const shown = await Promise.all(
    others
      .slice(0, 5)
      .map(async (n) => `${await entryKind(join(unpacked, n))} ${n}`),
  );
  const more = others.length - shown.length;
  const list = shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
  if (packages.length === 1) {
    const pkg = packages[0]!;
    return new UserError(
      'PACKAGE_INVALID',
      others.length === 1
        ? `${source} has a top-level ${list} beside the package folder ${pkg}/`
        : `${source} has ${others.length} top-level entries beside the ` +
            `package folder ${pkg}/: ${list}`,
      {
        hint:
          'a package archive holds only the package folder: make it ' +
          `again with \`tar czf ${pkg}.tar.gz ${pkg}/\``,
      },
    );
  }
  return new UserError(
    'PACKAGE_INVALID',
    names.length === 0
      ? `${source} is empty: it holds no package.manifest`
      : `${source} holds no package.manifest, at its top or in one top ` +
          `folder; its top holds ${list}`,
    { hint: PACKAGE_LAYOUT },
  );
}

async function entryKind(path: string): Promise<string> {
  const st = await lstat(path);
  if (st.isDirectory()) return 'folder';
  return st.isSymbolicLink() ? 'symbolic link' : 'file';
}

/**
 * Layer faults (an entry climbing out, a hard link to nowhere) as
 * faults of the archive: flatten speaks of images.
 */
function inArchiveTerms(err: unknown): unknown {
  return rewordError(err, (text) =>
    text
      .replace(/the image root/g, 'the package')
      .replace(/the image is corrupt/g, 'the archive is corrupt')
      .replace(
        /(rebuild or re-pull|pull or save) it( again)?/g,
        'make it again',
      ),
  );
}

/** A package archive (.tar.gz or .tar) into `dir`, checked like layers. */
async function unpackArchive(
  source: string,
  dir: string,
  logger: Logger,
): Promise<void> {
  try {
    await flattenLayers(
      [{ digest: `archive ${basename(source)}`, label: source, path: source }],
      dir,
      logger,
    );
  } catch (err) {
    if (!(err instanceof SkiffError) || err.code !== 'LAYER_INVALID') {
      throw inArchiveTerms(err);
    }
    const raw = err.cause ?? err;
    const why = raw instanceof Error ? raw.message : String(raw);
    throw new UserError(
      'PACKAGE_ARCHIVE_INVALID',
      `${source} is not a package archive: not a readable .tar.gz or .tar (${why})`,
      {
        cause: raw,
        hint:
          'pass a package folder, or a .tar.gz of one made with ' +
          '`tar czf NAME_VERSION.tar.gz NAME_VERSION/`',
      },
    );
  }
}

export async function addPackage(
  opts: AddPackageOptions,
): Promise<StoredPackage> {
  const st = await stat(opts.source).catch((err) => {
    throw describeFsError(err, 'adding a package', opts.source);
  });
  const folder = st.isDirectory()
    ? await findPackageDir(opts.source, opts.source)
    : undefined;
  const temp = await opts.store.createTemp();
  const work = temp.path;
  // Messages name the source the user gave, never the temp copy.
  const [tempPrefix, shownPrefix] = folder
    ? [join(work, 'pkg'), folder.dir]
    : [`${join(work, 'unpacked')}/`, `${opts.source}: `];
  try {
    const copy = folder
      ? await copyFolder(folder, opts.source, work, opts.logger)
      : await unpackInto(opts.source, work, opts.logger);
    return await addCopied(copy.pkgDir, copy.ownName, opts);
  } catch (err) {
    throw rewordError(err, (text) => text.split(tempPrefix).join(shownPrefix));
  } finally {
    await temp.remove();
  }
}

/** The package, copied or unpacked into the temp folder. */
interface TempCopy {
  pkgDir: string;
  /** Its name as the source gives it: <name>_<version>, or the file's. */
  ownName: string;
}

/**
 * A package folder into the temp folder: links as links; sockets, fifos
 * and devices are left out, as they are from an archive or a layer.
 */
async function copyFolder(
  found: { dir: string; dirName?: string },
  source: string,
  work: string,
  logger: Logger,
): Promise<TempCopy> {
  const pkgDir = join(work, 'pkg');
  await cp(found.dir, pkgDir, {
    recursive: true,
    verbatimSymlinks: true,
    filter: async (src) => {
      const st = await lstat(src);
      const keep = st.isFile() || st.isDirectory() || st.isSymbolicLink();
      if (!keep) logger.debug(`pkg add: skipped ${src}: not a file or link`);
      return keep;
    },
  });
  return { pkgDir, ownName: found.dirName ?? basename(source) };
}

async function unpackInto(
  source: string,
  work: string,
  logger: Logger,
): Promise<TempCopy> {
  const unpacked = join(work, 'unpacked');
  await unpackArchive(source, unpacked, logger);
  const found = await findPackageDir(unpacked, source);
  return {
    pkgDir: found.dir,
    ownName: found.dirName ?? basename(source).replace(/\.(tar\.gz|tgz)$/, ''),
  };
}

async function addCopied(
  pkgDir: string,
  ownName: string,
  opts: AddPackageOptions,
): Promise<StoredPackage> {
  await checkRealEntries(pkgDir, opts.source);
  const read = await readPackageManifest(pkgDir);
  const id = packageId(opts.name, ownName, read.Version);
  // The store splits <name>_<version> by the manifest's Version: it
  // must say the version the package is stored under (--name N:V).
  const manifest = { ...read, Version: id.version };
  if (read.Version !== id.version) {
    await writePackageManifest(pkgDir, manifest);
  }
  await normalizeOpsLayout(pkgDir, ownName, manifest);
  return opts.store.install(pkgDir, id);
}

/**
 * package.manifest must be a file and sysroot/ a folder, not links: a
 * link would read the manifest, or take the files, from the host.
 */
async function checkRealEntries(pkgDir: string, source: string) {
  for (const [name, want] of [
    [MANIFEST_FILE, 'file'],
    [SYSROOT_DIR, 'folder'],
  ] as const) {
    const st = await lstat(join(pkgDir, name)).catch(() => undefined);
    if (!st) continue;
    const ok = want === 'file' ? st.isFile() : st.isDirectory();
    if (ok) continue;
    throw new UserError(
      'PACKAGE_INVALID',
      `${source}: ${name} in the package is ` +
        `${st.isSymbolicLink() ? 'a symbolic link' : 'not a ' + want}`,
      { hint: `a package holds ${name} as a real ${want}` },
    );
  }
}

function packageId(
  flag: string | undefined,
  ownName: string,
  manifestVersion: string | undefined,
): PackageId {
  if (flag) {
    const { name, version } = parsePackageSpec(flag);
    return { name, version: version ?? manifestVersion ?? 'latest' };
  }
  const split = splitPackageDir(ownName, manifestVersion);
  return {
    name: split.name,
    version: split.version || manifestVersion || 'latest',
  };
}
