// Builds a package folder from a flattened image root without running
// anything: the program and its ELF closure (or the whole root with
// --copy), runtime extras, extra files, the image's empty folders (/tmp),
// and a package.manifest carrying the image's ENV, WORKDIR and arguments.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { rewordError, SkiffError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RawConfig } from '../config/types.js';
import type { ElfArch } from '../elf/search-paths.js';
import { resolveInRoot } from '../elf/rooted-path.js';
import {
  resolveElfDeps,
  type ElfDeps,
  type ResolvedElfFile,
} from '../elf/resolve.js';
import type { ImageConfig } from '../oci/manifest.js';
import { writeDefaultArgs } from './default-args.js';
import {
  chooseImageProgram,
  imageEnv,
  imageWorkDir,
  type ImageProgram,
} from './image-program.js';
import {
  checkAddFiles,
  missingLibrary,
  throwIfWrongArch,
} from './build-errors.js';
import { imageTermsLogger, inImageTerms } from './image-terms.js';
import { SYSROOT_DIR, writePackageManifest } from './manifest-file.js';
import { dropModuleLoads } from './php-ini.js';
import { runtimeExtras } from './runtime-extras.js';
import { SysrootWriter } from './sysroot-writer.js';

export interface BuildPackageOptions {
  /** The flattened image (consumed: moved or linked from). */
  root: string;
  config: ImageConfig;
  /** The package folder to fill (empty). */
  pkgDir: string;
  version: string;
  arch: ElfArch;
  /** -f: the program; else ENTRYPOINT + CMD. */
  executable?: string | undefined;
  /** --copy: the whole root. */
  copyAll?: boolean;
  /** --file (--add-file): image paths (folders whole). */
  addFiles?: string[];
  /** -a: extra arguments after the image's own. */
  extraArgs?: string[];
  /** Description text (where the image came from). */
  description?: string;
  logger: Logger;
}

export interface BuiltPackage {
  manifest: RawConfig;
  /** CMD's arguments, used only when the user gives no Args. */
  defaultArgs: string[];
  program: ImageProgram;
  libraries: number;
  /** Runtime module paths skipped because their libraries are missing. */
  skippedModules: string[];
}

async function moduleFile(
  root: string,
  imagePath: string,
): Promise<ResolvedElfFile | undefined> {
  const found = await resolveInRoot(root, imagePath);
  if (!found?.stats.isFile()) return undefined;
  return {
    imagePath,
    realImagePath: found.realImagePath,
    hostPath: found.hostPath,
    symlinks: found.symlinks,
  };
}

/**
 * The program's closure plus the modules'. A module whose own libraries
 * are missing is left out with a warning rather than failing the package.
 */
async function resolveClosure(
  opts: BuildPackageOptions,
  program: ImageProgram,
  modules: ResolvedElfFile[],
  ldLibraryPath: string[] | undefined,
): Promise<{ deps: ElfDeps; kept: ResolvedElfFile[]; skipped: string[] }> {
  const base = {
    root: opts.root,
    programImagePath: program.realImagePath,
    arch: opts.arch,
    ...(ldLibraryPath ? { ldLibraryPath } : {}),
  };
  try {
    const deps = await resolveElfDeps(program.hostPath, {
      ...base,
      extraObjects: modules,
    });
    return { deps, kept: modules, skipped: [] };
  } catch (err) {
    // The program itself is for another machine: no module is to blame.
    if (!(err instanceof SkiffError) || modules.length === 0) throw err;
    if (err.code === 'ELF_WRONG_ARCH') throw err;
  }
  const kept: ResolvedElfFile[] = [];
  const skipped: string[] = [];
  for (const m of modules) {
    try {
      await resolveElfDeps(program.hostPath, { ...base, extraObjects: [m] });
      kept.push(m);
    } catch (err) {
      skipped.push(m.realImagePath);
      const why = err instanceof Error ? err.message : String(err);
      opts.logger.warn(`leaving out ${m.imagePath}: ${why}`);
    }
  }
  const deps = await resolveElfDeps(program.hostPath, {
    ...base,
    extraObjects: kept,
  });
  return { deps, kept, skipped };
}

async function addClosure(
  writer: SysrootWriter,
  deps: ElfDeps,
  modules: ResolvedElfFile[],
): Promise<void> {
  const files = [
    ...(deps.interpreter ? [deps.interpreter] : []),
    ...deps.libraries,
    ...modules,
  ];
  for (const f of files) {
    await writer.addSymlinks(f.symlinks);
    await writer.addFile(f.realImagePath);
  }
}

function manifestFor(
  opts: BuildPackageOptions,
  program: ImageProgram,
  language: string | undefined,
): RawConfig {
  const env = imageEnv(opts.config);
  const workDir = imageWorkDir(opts.config);
  // argv[0] is the command as the image wrote it (Docker passes `hl2`,
  // not the file it links to: busybox-style tools dispatch on it); a
  // relative path is made absolute. CMD's arguments are not here but in
  // default-args.json: the user's Args replace them (`php -a` must not
  // precede the user's script). -a values are kept like ENTRYPOINT's.
  const { written } = program;
  const argv0 =
    written.includes('/') && !written.startsWith('/')
      ? program.imagePath
      : written;
  const args = [argv0, ...program.fixedArgs, ...(opts.extraArgs ?? [])];
  const manifest: RawConfig = {
    Program: program.realImagePath,
    Args: args,
    Version: opts.version,
  };
  if (workDir !== '/') {
    env.PWD = workDir;
    manifest.ManifestPassthrough = { cwd: workDir };
  }
  if (Object.keys(env).length) manifest.Env = env;
  if (language) manifest.Language = language;
  if (opts.description) manifest.Description = opts.description;
  return manifest;
}

/**
 * Builds the package. Errors speak of image paths, never of the temp
 * folder the image was flattened into.
 */
export async function buildPackage(
  options: BuildPackageOptions,
): Promise<BuiltPackage> {
  try {
    return await buildFromRoot(options);
  } catch (err) {
    throw rewordError(err, (text) => inImageTerms(text, options.root));
  }
}

async function buildFromRoot(
  options: BuildPackageOptions,
): Promise<BuiltPackage> {
  const logger = imageTermsLogger(options.logger, options.root);
  const opts = { ...options, logger };
  const program = await chooseImageProgram(
    opts.root,
    opts.config,
    opts.executable,
    (m) => logger.info(m),
  );
  logger.info(`program: ${program.imagePath} (${program.realImagePath})`);
  await checkAddFiles(opts.root, opts.addFiles ?? [], opts.executable);
  const env = imageEnv(opts.config);
  const extras = await runtimeExtras(opts.root, program, env);
  const modules: ResolvedElfFile[] = [];
  for (const m of extras.modules) {
    const f = await moduleFile(opts.root, m);
    if (f) modules.push(f);
  }
  const ldPath = env.LD_LIBRARY_PATH?.split(':').filter(Boolean);
  const closure = await resolveClosure(opts, program, modules, ldPath).catch(
    async (err: unknown) => {
      await throwIfWrongArch(err, program, opts.arch);
      return missingLibrary(err, opts.root, opts.copyAll ?? false, logger);
    },
  );
  if (closure) {
    const { deps, kept } = closure;
    logger.debug(
      `closure: ${deps.libraries.length} libraries, ${kept.length} modules` +
        (deps.isStatic ? ' (static)' : ` (${deps.libc})`),
    );
  }

  const sysroot = join(opts.pkgDir, SYSROOT_DIR);
  if (opts.copyAll || !closure) {
    await rename(opts.root, sysroot);
  } else {
    const { deps, kept, skipped } = closure;
    const writer = new SysrootWriter(opts.root, sysroot, logger);
    for (const p of extras.exclude ?? []) writer.exclude.add(p);
    await mkdir(sysroot, { recursive: true });
    await writer.addPath(program.imagePath);
    await addClosure(writer, deps, kept);
    const skip = new Set(skipped);
    for (const p of extras.paths) {
      await writer.addPath(p, { tree: true });
    }
    await removeSkipped(sysroot, skip);
    for (const ini of await dropModuleLoads(sysroot, skipped)) {
      logger.info(`${ini}: commented out the line loading a module left out`);
    }
    for (const p of opts.addFiles ?? []) {
      await writer.addPath(posix.resolve('/', p), { tree: true });
    }
    const workDir = imageWorkDir(opts.config);
    if (!(await writer.addPath(workDir))) {
      await mkdir(join(sysroot, workDir), { recursive: true });
    }
    await writer.addEmptyFolders();
    logger.debug(`sysroot: ${writer.files} files, ${writer.symlinks} symlinks`);
  }
  const manifest = manifestFor(opts, program, extras.language);
  await writePackageManifest(opts.pkgDir, manifest);
  await writeDefaultArgs(opts.pkgDir, program.defaultArgs);
  return {
    manifest,
    defaultArgs: program.defaultArgs,
    program,
    libraries: closure?.deps.libraries.length ?? 0,
    skippedModules: closure?.skipped ?? [],
  };
}

/** Modules left out are removed again after their folder was copied. */
async function removeSkipped(sysroot: string, realPaths: Set<string>) {
  for (const p of realPaths) await rm(join(sysroot, p), { force: true });
}
