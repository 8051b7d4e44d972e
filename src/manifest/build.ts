// Config + Nanos release -> ImageSpec: the tree, the manifest keys and the
// boot files. Order of sources (a later one wins a clash, except that the
// program always wins): package sysroot, loader and libraries, generated
// resolv.conf, Files, Dirs, MapDirs, generated passwd and hostname (only
// if absent), the program.
import { stat } from 'node:fs/promises';
import type { ResolvedConfig } from '../config/types.js';
import type { ElfInfo } from '../elf/parse.js';
import { resolveInRoot } from '../elf/rooted-path.js';
import { UserError, describeFsError } from '../errors.js';
import type { FileSource, ImageSpec } from '../image/tree.js';
import type { Logger } from '../log.js';
import type { NanosRelease } from '../nanos/types.js';
import { HOSTNAME, PASSWD, resolvConf } from './etc-files.js';
import { HostCopier } from './host-tree.js';
import { resolveKlibFiles } from './klibs.js';
import { emptyEnvNames, manifestKeys } from './manifest-keys.js';
import { addProgram, addProgramFiles } from './program-files.js';
import { TreeBuilder } from './tree-ops.js';

export interface BuildImageSpecOptions {
  /** A package sysroot: copied whole first; libraries come from it. */
  packageRoot?: string;
  /** A local QEMU run: adds debug_exit so the exit code comes back. */
  localRun: boolean;
  /**
   * Add the CA bundle and libnss_dns/libresolv for a dynamic program.
   * Default: true without a package root (a package brings its own).
   */
  hostCommonFiles?: boolean;
  logger: Logger;
}

/**
 * Free space a package image keeps when no BaseVolumeSz is set: the
 * image it came from ran on a writable disk, and interpreters write at
 * once (PHP's sessions and tempnam, Python's tempfile in /tmp). The
 * image file is sparse, and clouds skip or compress zeros, so the space
 * costs nothing until the guest writes. ops keeps none (§1.8 of
 * nanos-disk-format.md), and even a 10-byte write then fails.
 */
export const PACKAGE_FREE_BYTES = 256 * 1024 * 1024;

async function hostSource(path: string, what: string): Promise<FileSource> {
  try {
    const st = await stat(path);
    return { kind: 'host', path, sizeBytes: st.size };
  } catch (err) {
    throw describeFsError(err, `reading the ${what}`, path);
  }
}

async function addPackageRoot(
  copier: HostCopier,
  packageRoot: string,
  logger: Logger,
): Promise<void> {
  const links: string[] = [];
  await copier.add(packageRoot, '/', 'the package', links);
  const dangling: string[] = [];
  for (const link of links) {
    if (!(await resolveInRoot(packageRoot, link))) dangling.push(link);
  }
  if (dangling.length > 0) {
    logger.warn(
      `${dangling.length} dangling symlink(s) in ${packageRoot} (e.g. ` +
        `${dangling.slice(0, 3).join(', ')}); kept as they are`,
    );
  }
}

function bytes(data: Uint8Array) {
  return { type: 'file' as const, source: { kind: 'bytes' as const, data } };
}

async function uefiLoaderOf(
  config: ResolvedConfig,
  release: NanosRelease,
): Promise<ImageSpec['uefiLoader']> {
  if (!config.uefi) return undefined;
  if (!release.uefiLoaderPath) {
    throw new UserError(
      'NANOS_NO_UEFI',
      `Nanos ${release.version} (${release.dir}) has no UEFI loader`,
      { hint: 'drop Uefi/--uefi, or use a release with bootx64.efi' },
    );
  }
  return {
    name: release.arch === 'aarch64' ? 'bootaa64.efi' : 'bootx64.efi',
    source: await hostSource(release.uefiLoaderPath, 'UEFI loader'),
  };
}

/** ET_DYN, 3 in e_type: a shared object or a position-independent program. */
const ET_DYN = 3;

/**
 * A shared object with neither an interpreter nor the PIE flag is a
 * library (libfoo.so), which Nanos cannot run as the program. Built all
 * the same: an old toolchain's static PIE may lack the flag.
 */
function warnIfLibrary(elf: ElfInfo, path: string, logger: Logger): void {
  if (elf.type !== ET_DYN || elf.interpreter || elf.pie) return;
  logger.warn(
    `${path} looks like a shared library, not a program (no interpreter, ` +
      'no PIE flag): Nanos will most likely fail to start it',
  );
}

/**
 * Builds everything the image writer needs. Throws UserError for a
 * non-ELF or wrong-architecture program, a missing library (naming it and
 * who needs it), a missing klib, or Uefi without a loader.
 */
export async function buildImageSpec(
  config: ResolvedConfig,
  release: NanosRelease,
  opts: BuildImageSpecOptions,
): Promise<ImageSpec> {
  const { logger, packageRoot } = opts;
  const klibs = await resolveKlibFiles(config.klibs, release);
  const uefiLoader = await uefiLoaderOf(config, release);
  const tree = new TreeBuilder(logger);
  const copier = new HostCopier(tree, logger);
  const libRoot = config.targetRoot ?? packageRoot ?? '/';

  if (packageRoot) await addPackageRoot(copier, packageRoot, logger);
  const deps = await addProgramFiles(copier, config, {
    root: libRoot,
    arch: release.arch,
    commonFiles: opts.hostCommonFiles ?? !packageRoot,
    logger,
  });
  warnIfLibrary(deps.program, config.programHostPath, logger);
  for (const name of emptyEnvNames(config)) {
    logger.warn(
      `Env ${name} is empty: Nanos cannot store an empty value, so ` +
        `${name} is not set in the guest (give it a value or drop it)`,
    );
  }
  tree.put(
    '/etc/resolv.conf',
    bytes(resolvConf(config.nameServers)),
    'NameServers',
  );
  for (const f of config.files)
    await copier.addNamed(f.hostPath, f.imagePath, 'Files');
  for (const d of config.dirs)
    await copier.addNamed(d.hostPath, d.imagePath, 'Dirs');
  for (const m of config.mapDirs) {
    await copier.addMapped(m.hostPath, m.imagePath, 'MapDirs');
  }
  if (!tree.get('/etc/passwd')) tree.put('/etc/passwd', bytes(PASSWD), 'Skiff');
  if (!tree.get('/etc/hostname')) {
    tree.put('/etc/hostname', bytes(HOSTNAME), 'Skiff');
  }
  await addProgram(copier, config, libRoot);
  checkWorkingFolder(config, tree);

  const extraLibraryDirs = [
    ...new Set(
      deps.libraries.filter((l) => l.via === 'ld.so.conf').map((l) => l.dir),
    ),
  ];
  return {
    bootImage:
      (config.bootPath ?? release.bootPath)
        ? await hostSource(config.bootPath ?? release.bootPath!, 'boot image')
        : undefined,
    kernel: await hostSource(config.kernelPath ?? release.kernelPath, 'kernel'),
    klibs,
    uefiLoader,
    root: tree.root,
    manifest: manifestKeys(config, release, {
      localRun: opts.localRun,
      extraLibraryDirs,
    }),
    minSizeBytes: config.baseVolumeBytes,
    ...(packageRoot && config.baseVolumeBytes === undefined
      ? { minFreeBytes: PACKAGE_FREE_BYTES }
      : {}),
  };
}

/**
 * The guest starts the program in `cwd` (ManifestPassthrough.cwd, else
 * Env.PWD): a folder missing from the image is found now, not when the
 * kernel fails to enter it and the program never starts.
 */
function checkWorkingFolder(config: ResolvedConfig, tree: TreeBuilder): void {
  const passed = config.manifestPassthrough.cwd;
  const [cwd, key] =
    typeof passed === 'string'
      ? [passed, 'ManifestPassthrough.cwd']
      : [config.env.PWD, 'Env.PWD'];
  if (!cwd || cwd === '/') return;
  const node = tree.get(cwd);
  if (node && node.type !== 'file') return;
  throw new UserError(
    'CWD_MISSING',
    `${key} is ${cwd}, which is ${node ? 'a file' : 'not'} in the image: ` +
      'the program could not start there',
    {
      hint:
        `add the folder with Dirs or MapDirs, or set ${key} to a folder ` +
        'the image holds',
    },
  );
}
