// The program, its loader and libraries, and (for host programs) the CA
// bundle and DNS resolver modules that glibc loads at run time.
import { stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import {
  resolveElfDeps,
  type ElfDeps,
  type ResolvedElfFile,
} from '../elf/resolve.js';
import { resolveInRoot } from '../elf/rooted-path.js';
import { glibcDefaultDirs, type ElfArch } from '../elf/search-paths.js';
import type { Logger } from '../log.js';
import type { HostCopier } from './host-tree.js';

export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const DNS_MODULES = ['libnss_dns.so.2', 'libresolv.so.2'];

/** Adds the links of a resolved file, then the real file. */
export async function addResolvedFile(
  copier: HostCopier,
  file: ResolvedElfFile,
  source: string,
): Promise<void> {
  for (const link of file.symlinks) {
    copier.tree.put(
      link.imagePath,
      { type: 'symlink', target: link.target },
      source,
    );
  }
  const st = await stat(file.hostPath);
  copier.tree.put(
    file.realImagePath,
    copier.fileNode(file.hostPath, st),
    source,
  );
}

async function findInRoot(
  root: string,
  imagePath: string,
): Promise<ResolvedElfFile | undefined> {
  const found = await resolveInRoot(root, imagePath);
  if (!found || !found.stats.isFile()) return undefined;
  return { imagePath, ...found };
}

/** libnss_dns and libresolv from the first library folder that has them. */
async function dnsModules(
  root: string,
  arch: string,
): Promise<ResolvedElfFile[]> {
  const out: ResolvedElfFile[] = [];
  for (const name of DNS_MODULES) {
    for (const dir of glibcDefaultDirs(arch)) {
      const found = await findInRoot(root, posix.join(dir, name));
      if (found) {
        out.push(found);
        break;
      }
    }
  }
  return out;
}

export interface ProgramFilesOptions {
  /** Where libraries come from: TargetRoot, the package root, or "/". */
  root: string;
  arch: ElfArch;
  /** Add the CA bundle and DNS modules of `root` (dynamic programs only). */
  commonFiles: boolean;
  logger: Logger;
}

/**
 * Resolves the program's loader and libraries without adding anything, so
 * that a bad program is reported before a Nanos release is fetched.
 */
export async function checkProgramDeps(
  config: ResolvedConfig,
  root: string,
  arch: ElfArch,
): Promise<void> {
  await resolveElfDeps(config.programHostPath, {
    root,
    programImagePath: config.programImagePath,
    ldLibraryPath: ldLibraryPathOf(config),
    arch,
  });
}

function ldLibraryPathOf(config: ResolvedConfig): string[] {
  return (config.env.LD_LIBRARY_PATH ?? '')
    .split(':')
    .filter((d) => d.startsWith('/'));
}

/**
 * Resolves and adds the program and everything it loads. Returns the
 * dependency facts (the caller uses them for LD_LIBRARY_PATH).
 */
export async function addProgramFiles(
  copier: HostCopier,
  config: ResolvedConfig,
  opts: ProgramFilesOptions,
): Promise<ElfDeps> {
  const { root } = opts;
  const ldLibraryPath = ldLibraryPathOf(config);
  const probe = await resolveElfDeps(config.programHostPath, {
    root,
    programImagePath: config.programImagePath,
    ldLibraryPath,
    arch: opts.arch,
  });
  const extras =
    opts.commonFiles && !probe.isStatic && probe.libc === 'glibc'
      ? await dnsModules(root, probe.program.arch)
      : [];
  const deps = extras.length
    ? await resolveElfDeps(config.programHostPath, {
        root,
        programImagePath: config.programImagePath,
        ldLibraryPath,
        arch: opts.arch,
        extraObjects: extras,
      })
    : probe;
  if (deps.interpreter) {
    await addResolvedFile(copier, deps.interpreter, 'the program loader');
  }
  for (const lib of deps.libraries) {
    await addResolvedFile(copier, lib, `library of ${lib.neededBy[0]}`);
  }
  for (const extra of extras) {
    await addResolvedFile(copier, extra, 'DNS support');
  }
  if (opts.commonFiles && !deps.isStatic) {
    const ca = await findInRoot(root, CA_BUNDLE);
    if (ca) await addResolvedFile(copier, ca, 'the CA bundle');
    else opts.logger.debug(`image: no ${CA_BUNDLE} in ${root}; TLS may fail`);
  }
  opts.logger.debug(
    `image: ${deps.libraries.length} libraries for ${config.programImagePath}`,
  );
  return deps;
}

/** Adds the program itself, last, so that it wins any clash. */
export async function addProgram(
  copier: HostCopier,
  config: ResolvedConfig,
  root: string,
): Promise<void> {
  const { programHostPath, programImagePath } = config;
  // Found inside the root (perhaps through links): add it with its links.
  const found = await findInRoot(root, programImagePath);
  if (found && resolve(found.hostPath) === resolve(programHostPath)) {
    return addResolvedFile(copier, found, 'the program');
  }
  const st = await stat(programHostPath);
  copier.tree.put(
    programImagePath,
    copier.fileNode(programHostPath, st),
    'the program',
  );
}
