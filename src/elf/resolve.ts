// The shared-library closure of a program, found the way the dynamic
// loader will find it in the guest, by reading ELF headers only: nothing
// on the host is executed.
import { posix, resolve as hostResolve } from 'node:path';
import { UserError } from '../errors.js';
import { EM_AARCH64, EM_X86_64, isStaticElf, readElf } from './parse.js';
import type { ElfInfo } from './parse.js';
import {
  findByPath,
  missingError,
  resolveInterpreter,
  Resolver,
  type LoadedObject,
} from './library-search.js';
import { isMuslBuiltin, libcOf, type ElfArch } from './search-paths.js';
import type { ElfDeps, ResolvedLibrary, ResolveElfOptions } from './types.js';

export type {
  ElfDeps,
  FoundVia,
  ResolvedElfFile,
  ResolvedLibrary,
  ResolveElfOptions,
} from './types.js';

const MACHINE_OF: Record<ElfArch, number> = {
  x86_64: EM_X86_64,
  aarch64: EM_AARCH64,
};

function checkArch(info: ElfInfo, shownPath: string, arch?: ElfArch): void {
  if (info.elfClass !== 64) {
    throw new UserError(
      'ELF_WRONG_ARCH',
      `${shownPath} is a 32-bit ${info.arch} program; Nanos runs 64-bit ` +
        'programs only',
      { hint: 'build the program for x86_64 (or aarch64)' },
    );
  }
  if (arch && info.machine !== MACHINE_OF[arch]) {
    // Skiff's images and the QEMU it boots them with are x86_64 only
    // (build/pipeline.ts): another kernel is no choice the user has.
    throw new UserError(
      'ELF_WRONG_ARCH',
      `${shownPath} is an ${info.arch} program, and Skiff builds and ` +
        `boots ${arch} images only`,
      {
        hint:
          `build the program for ${arch}` +
          (arch === 'x86_64'
            ? ' (gcc on an x86_64 machine, or x86_64-linux-gnu-gcc)'
            : ''),
      },
    );
  }
}

/** True when hostPath is root + imagePath (found inside the root). */
function isInRoot(hostPath: string, imagePath: string, root: string): boolean {
  return hostResolve(hostPath) === hostResolve(root, `.${imagePath}`);
}

function programImagePathOf(hostPath: string, opts: ResolveElfOptions): string {
  if (opts.programImagePath) return opts.programImagePath;
  const root = hostResolve(opts.root ?? '/');
  const rel = posix.relative(root, hostResolve(hostPath));
  return rel.startsWith('..') ? hostResolve(hostPath) : `/${rel}`;
}

/**
 * Resolves the program's interpreter and libraries, recursively. Throws
 * NOT_ELF, ELF_WRONG_ARCH, or ELF_LIBRARY_MISSING (naming every missing
 * library, who needs it and where it looked).
 */
export async function resolveElfDeps(
  programHostPath: string,
  opts: ResolveElfOptions = {},
): Promise<ElfDeps> {
  const program = await readElf(programHostPath);
  const imagePath = programImagePathOf(programHostPath, opts);
  checkArch(program, programHostPath, opts.arch);
  const libc = libcOf(program.interpreter);
  const deps: ElfDeps = {
    program,
    libraries: [],
    isStatic: isStaticElf(program),
    libc,
  };
  if (deps.isStatic && !opts.extraObjects?.length) return deps;

  const r = new Resolver(program, opts, libc);
  const root = opts.root ?? '/';
  const main: LoadedObject = {
    info: program,
    imagePath,
    originImageDir: posix.dirname(imagePath),
    originHostDir: isInRoot(programHostPath, imagePath, root)
      ? undefined
      : posix.dirname(hostResolve(programHostPath)),
  };
  if (program.interpreter) {
    deps.interpreter = await resolveInterpreter(r, program, root);
  }
  const queue: LoadedObject[] = [main];
  for (const extra of opts.extraObjects ?? []) {
    const info = await readElf(extra.hostPath);
    queue.push({
      info,
      imagePath: extra.imagePath,
      originImageDir: posix.dirname(extra.realImagePath),
    });
  }
  const byName = new Map<string, ResolvedLibrary>();
  const missing = new Map<string, string[]>();
  for (let i = 0; i < queue.length; i++) {
    const obj = queue[i]!;
    for (const name of obj.info.needed) {
      if (libc === 'musl' && isMuslBuiltin(name)) continue;
      const known = byName.get(name);
      if (known) {
        if (!known.neededBy.includes(obj.imagePath)) {
          known.neededBy.push(obj.imagePath);
        }
        continue;
      }
      if (missing.has(name)) {
        missing.get(name)!.push(obj.imagePath);
        continue;
      }
      const found = name.includes('/')
        ? await findByPath(r, name)
        : await r.find(name, await r.searchDirs(obj, main));
      if (!found) {
        missing.set(name, [obj.imagePath]);
        continue;
      }
      const { info, ...file } = found;
      byName.set(name, { ...file, name, neededBy: [obj.imagePath] });
      queue.push({
        info,
        imagePath: file.imagePath,
        originImageDir: posix.dirname(file.realImagePath),
        originHostDir: isInRoot(file.hostPath, file.realImagePath, root)
          ? undefined
          : posix.dirname(file.hostPath),
      });
    }
  }
  if (missing.size > 0) throw missingError(missing, r.looked, root);
  deps.libraries = [...byName.values()];
  return deps;
}
