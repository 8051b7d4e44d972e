// The local package store: dataDir/packages/<arch>/<name>_<version>/, one
// folder a package. Packages appear by a rename of a finished folder, so
// an interrupted build never leaves a package behind.
import {
  lstat,
  mkdir,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeFsError, UserError } from '../errors.js';
import type { RawConfig } from '../config/types.js';
import {
  createOwnedTempDir,
  ownedTempName,
  removeOnForcedExit,
  removeStaleTemps,
  type OwnedTempDir,
} from '../state/owned-temp.js';
import type { SkiffPaths } from '../paths.js';
import { MANIFEST_FILE, readPackageManifest } from './manifest-file.js';
import {
  packageDirName,
  parsePackageSpec,
  splitPackageDir,
  type PackageId,
} from './names.js';

export interface StoredPackage extends PackageId {
  /** Folder name relative to the arch folder: <name>_<version>. */
  dirName: string;
  dir: string;
  arch: string;
}

export interface ListedPackage extends StoredPackage {
  manifest?: RawConfig;
  /** Why the manifest could not be read, when it could not. */
  problem?: string;
}

/** By name, then version with numbers compared as numbers (8.2 < 8.10). */
function byNameThenVersion(a: PackageId, b: PackageId): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.version.localeCompare(b.version, 'en', { numeric: true });
}

/** ops' arch folder names. */
export function storeArch(arch: string): string {
  return arch === 'aarch64' || arch === 'arm64' ? 'arm64' : 'amd64';
}

export class PackageStore {
  readonly root: string;

  constructor(
    paths: SkiffPaths,
    readonly arch: string,
  ) {
    this.root = join(paths.dataDir, 'packages', storeArch(arch));
  }

  dirOf(id: PackageId): string {
    return join(this.root, packageDirName(id));
  }

  /** Every folder holding a package.manifest, nested names included. */
  async list(): Promise<ListedPackage[]> {
    const out: ListedPackage[] = [];
    const walk = async (rel: string): Promise<void> => {
      const names = await readdir(join(this.root, rel)).catch(() => []);
      for (const name of names.sort()) {
        if (name.startsWith('.')) continue;
        const r = rel ? `${rel}/${name}` : name;
        const dir = join(this.root, r);
        if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
        const hasManifest = await lstat(join(dir, MANIFEST_FILE)).then(
          () => true,
          () => false,
        );
        if (!hasManifest) {
          await walk(r);
          continue;
        }
        out.push(await this.describe(r, dir));
      }
    };
    await walk('');
    return out.sort(byNameThenVersion);
  }

  private async describe(rel: string, dir: string): Promise<ListedPackage> {
    try {
      const manifest = await readPackageManifest(dir);
      const id = splitPackageDir(rel, manifest.Version);
      return { ...id, dirName: rel, dir, arch: storeArch(this.arch), manifest };
    } catch (err) {
      const id = splitPackageDir(rel);
      const problem = err instanceof Error ? err.message : String(err);
      return { ...id, dirName: rel, dir, arch: storeArch(this.arch), problem };
    }
  }

  /**
   * Finds a package by "name", "name:version" or "name_version". A name
   * with several versions must say which.
   */
  async find(spec: string): Promise<StoredPackage> {
    const all = await this.list();
    const { name, version } = parsePackageSpec(spec);
    const byDir = all.find((p) => p.dirName === spec);
    if (byDir) return byDir;
    const matches = all.filter(
      (p) =>
        p.name === name && (version === undefined || p.version === version),
    );
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new UserError(
        'PACKAGE_AMBIGUOUS',
        `package ${name} has several versions: ${matches.map((p) => p.version).join(', ')}`,
        { hint: `name one, e.g. ${name}:${matches[0]!.version}` },
      );
    }
    throw new UserError(
      'PACKAGE_NOT_FOUND',
      `no local package ${spec} for ${storeArch(this.arch)} in ${this.root}`,
      {
        hint: 'see `skiff pkg list --local`; create one with `skiff pkg from-docker` or `skiff pkg add`',
      },
    );
  }

  /**
   * A fresh temp folder inside the store (same file system as the
   * target), removed even if the process must exit at once.
   */
  async createTemp(): Promise<OwnedTempDir> {
    await mkdir(this.root, { recursive: true }).catch((err) => {
      throw describeFsError(err, 'creating the package store', this.root);
    });
    await removeStaleTemps(this.root);
    return createOwnedTempDir(this.root, 'work');
  }

  /**
   * Moves a finished package folder into place, replacing any package of
   * the same name and version in one rename.
   */
  async install(builtDir: string, id: PackageId): Promise<StoredPackage> {
    const dirName = packageDirName(id);
    const dest = join(this.root, dirName);
    await this.checkInstallable(id);
    await mkdir(dirname(dest), { recursive: true });
    // Hidden like a temp folder: if Skiff dies before the swap is done,
    // the old copy is not listed as a package and is cleaned up later.
    const old = join(this.root, ownedTempName('old'));
    const existed = await rename(dest, old).then(
      () => true,
      () => false,
    );
    try {
      await rename(builtDir, dest);
    } catch (err) {
      if (existed) await rename(old, dest).catch(() => undefined);
      throw describeFsError(err, 'installing the package', dest);
    }
    if (existed) await rm(old, { recursive: true, force: true });
    return { ...id, dirName, dir: dest, arch: storeArch(this.arch) };
  }

  /**
   * A folder name can stand for two packages ("a_b" + "1" and "a" +
   * "b_1"), and "/" nests folders: refuse to replace a package of another
   * name, or to put one inside another, or over folders holding others.
   */
  async checkInstallable(id: PackageId): Promise<void> {
    const dirName = packageDirName(id);
    const all = await this.list();
    const clash = all.find(
      (p) =>
        (p.dirName === dirName &&
          (p.name !== id.name || p.version !== id.version)) ||
        dirName.startsWith(`${p.dirName}/`) ||
        p.dirName.startsWith(`${dirName}/`),
    );
    if (!clash) return;
    const inside = dirName.startsWith(`${clash.dirName}/`);
    throw new UserError(
      'PACKAGE_FOLDER_TAKEN',
      `package ${id.name}:${id.version} would be stored in ${dirName}, ` +
        (clash.dirName === dirName
          ? `the folder of package ${clash.name}:${clash.version}`
          : inside
            ? `inside package ${clash.name}:${clash.version}`
            : `over package ${clash.name}:${clash.version}`),
      {
        hint:
          'choose another name or version (-n name:version), or delete ' +
          `that package first (skiff pkg delete ${clash.name}:${clash.version})`,
      },
    );
  }

  async remove(pkg: StoredPackage): Promise<void> {
    // Renamed away first so a half-deleted folder is never seen as a
    // package.
    const trash = join(this.root, ownedTempName('del'));
    const forget = removeOnForcedExit(trash);
    await rename(pkg.dir, trash);
    await rm(trash, { recursive: true, force: true });
    forget();
    // A nested name (gcr.io/distroless/x) leaves no empty folders behind;
    // rmdir stops at the first one that still holds something.
    for (let d = dirname(pkg.dir); d.startsWith(`${this.root}/`);) {
      if (
        !(await rmdir(d).then(
          () => true,
          () => false,
        ))
      )
        break;
      d = dirname(d);
    }
  }
}
