// The shared-library closure of a program, found the way the dynamic
// loader will find it in the guest, by reading ELF headers only: nothing
// on the host is executed.
import { stat } from 'node:fs/promises';
import { posix, resolve as hostResolve } from 'node:path';
import { UserError } from '../errors.js';
import { EM_AARCH64, EM_X86_64, isStaticElf, readElf } from './parse.js';
import type { ElfInfo } from './parse.js';
import { resolveInRoot, type ImageSymlink } from './rooted-path.js';
import {
  expandDynamicTokens,
  glibcDefaultDirs,
  isMuslBuiltin,
  libcOf,
  muslSearchDirs,
  readLdSoConf,
  type ElfArch,
} from './search-paths.js';

/** A file the image needs, with the links that lead to it. */
export interface ResolvedElfFile {
  /** The path the loader opens, e.g. /lib64/ld-linux-x86-64.so.2. */
  imagePath: string;
  /** Where the real file goes: imagePath with all links resolved. */
  realImagePath: string;
  /** The bytes to copy. */
  hostPath: string;
  /**
   * Links to create in the image (image path -> verbatim target) so that
   * imagePath leads to realImagePath, as in the source root.
   */
  symlinks: ImageSymlink[];
}

/** How a library was found; 'ld.so.conf' folders need LD_LIBRARY_PATH. */
export type FoundVia =
  'path' | 'rpath' | 'ld_library_path' | 'runpath' | 'ld.so.conf' | 'default';

export interface ResolvedLibrary extends ResolvedElfFile {
  /** The DT_NEEDED name. */
  name: string;
  /** Image paths of the objects that need it. */
  neededBy: string[];
  via: FoundVia;
  /** The folder it was found in (image path). */
  dir: string;
}

export interface ElfDeps {
  program: ElfInfo;
  interpreter?: ResolvedElfFile;
  libraries: ResolvedLibrary[];
  isStatic: boolean;
  libc: 'glibc' | 'musl';
}

export interface ResolveElfOptions {
  /**
   * The tree libraries come from (TargetRoot or a package sysroot); every
   * lookup and symlink stays inside it. Default "/": the host.
   */
  root?: string;
  /** The program's path in the image, for $ORIGIN (default: from root). */
  programImagePath?: string;
  /** LD_LIBRARY_PATH from the config's Env, split on ":". */
  ldLibraryPath?: string[];
  /** The kernel's architecture: a program for another one is an error. */
  arch?: ElfArch;
  /** More ELF objects whose needs join the closure (e.g. libnss_dns). */
  extraObjects?: ResolvedElfFile[];
}

interface LoadedObject {
  info: ElfInfo;
  imagePath: string;
  /** $ORIGIN: image folder, and the host folder when outside the root. */
  originImageDir: string;
  originHostDir?: string;
}

interface SearchDir {
  dir: string;
  via: FoundVia;
  /** Set when the folder is on the host outside the root ($ORIGIN). */
  hostDir?: string;
}

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
    throw new UserError(
      'ELF_WRONG_ARCH',
      `${shownPath} is an ${info.arch} program but the Nanos kernel is ` +
        `${arch}`,
      { hint: `build the program for ${arch}, or use a ${info.arch} kernel` },
    );
  }
}

/** An ELF of the same class and machine as the program, else undefined. */
async function compatible(
  hostPath: string,
  program: ElfInfo,
): Promise<ElfInfo | undefined> {
  try {
    const info = await readElf(hostPath);
    return info.elfClass === program.elfClass &&
      info.machine === program.machine
      ? info
      : undefined;
  } catch {
    return undefined;
  }
}

class Resolver {
  private readonly root: string;
  private confDirs: string[] | undefined;
  private defaultDirs: string[] | undefined;
  readonly looked = new Map<string, string[]>();

  constructor(
    private readonly program: ElfInfo,
    private readonly opts: ResolveElfOptions,
    private readonly libc: 'glibc' | 'musl',
  ) {
    this.root = opts.root ?? '/';
  }

  /** A file inside the root, as a loader-visible path. */
  async inRoot(imagePath: string): Promise<ResolvedElfFile | undefined> {
    const found = await resolveInRoot(this.root, imagePath);
    if (!found || !found.stats.isFile()) return undefined;
    return {
      imagePath,
      realImagePath: found.realImagePath,
      hostPath: found.hostPath,
      symlinks: found.symlinks,
    };
  }

  private async systemDirs(): Promise<SearchDir[]> {
    const arch = this.program.arch;
    if (this.libc === 'musl') {
      this.defaultDirs ??= await muslSearchDirs(this.root, arch);
      return this.defaultDirs.map((dir) => ({ dir, via: 'default' }));
    }
    this.confDirs ??= await readLdSoConf(this.root);
    this.defaultDirs ??= glibcDefaultDirs(arch);
    return [
      ...this.confDirs.map((dir) => ({ dir, via: 'ld.so.conf' as const })),
      ...this.defaultDirs.map((dir) => ({ dir, via: 'default' as const })),
    ];
  }

  private expand(entries: string[], obj: LoadedObject, via: FoundVia) {
    const out: SearchDir[] = [];
    for (const entry of entries) {
      const usesOrigin = /\$(\{ORIGIN\}|ORIGIN)/.test(entry);
      for (const dir of expandDynamicTokens(
        entry,
        obj.originImageDir,
        this.program.arch,
      )) {
        const norm = posix.normalize(dir);
        if (usesOrigin && obj.originHostDir !== undefined) {
          const rel = posix.relative(obj.originImageDir, norm);
          out.push({
            dir: norm,
            via,
            hostDir: hostResolve(obj.originHostDir, rel),
          });
        } else out.push({ dir: norm, via });
      }
    }
    return out;
  }

  /** The search order for a name needed by `obj`. */
  async searchDirs(
    obj: LoadedObject,
    main: LoadedObject,
  ): Promise<SearchDir[]> {
    const ld = (this.opts.ldLibraryPath ?? []).map((dir) => ({
      dir,
      via: 'ld_library_path' as const,
    }));
    const rpath =
      obj.info.runpath.length === 0
        ? [
            ...this.expand(obj.info.rpath, obj, 'rpath'),
            ...(obj === main
              ? []
              : this.expand(main.info.rpath, main, 'rpath')),
          ]
        : [];
    const runpath = this.expand(obj.info.runpath, obj, 'runpath');
    const system = await this.systemDirs();
    return this.libc === 'musl'
      ? [...ld, ...rpath, ...runpath, ...system]
      : [...rpath, ...ld, ...runpath, ...system];
  }

  /** Finds `name` in `dirs`; candidates of another class or machine skip. */
  async find(
    name: string,
    dirs: SearchDir[],
  ): Promise<
    | (ResolvedElfFile & { via: FoundVia; dir: string; info: ElfInfo })
    | undefined
  > {
    const tried: string[] = [];
    for (const d of dirs) {
      tried.push(d.hostDir ?? d.dir);
      const imagePath = posix.join(d.dir, name);
      let file: ResolvedElfFile | undefined;
      if (d.hostDir !== undefined) {
        const hostPath = hostResolve(d.hostDir, name);
        const st = await stat(hostPath).catch(() => undefined);
        if (st?.isFile()) {
          file = {
            imagePath,
            realImagePath: imagePath,
            hostPath,
            symlinks: [],
          };
        }
      } else file = await this.inRoot(imagePath);
      if (!file) continue;
      const info = await compatible(file.hostPath, this.program);
      if (info) return { ...file, via: d.via, dir: d.dir, info };
    }
    this.looked.set(name, [...new Set(tried)]);
    return undefined;
  }
}

function missingError(
  missing: Map<string, string[]>,
  looked: Map<string, string[]>,
  root: string,
): UserError {
  const lines = [...missing].map(([name, by]) => {
    const where = looked.get(name) ?? [];
    return (
      `${name}, needed by ${by.join(', ')}, was not found; looked in ` +
      `${where.join(', ')}`
    );
  });
  const inside = root === '/' ? '' : ` (inside ${root})`;
  return new UserError(
    'ELF_LIBRARY_MISSING',
    lines.length === 1
      ? `${lines[0]}${inside}`
      : `${lines.length} libraries are missing${inside}:\n` +
          lines.map((l) => `  - ${l}`).join('\n'),
    {
      hint:
        'install the library, add its folder to Env.LD_LIBRARY_PATH, or ' +
        'set TargetRoot to a tree that has it',
    },
  );
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

async function findByPath(r: Resolver, name: string) {
  const imagePath = name.startsWith('/') ? name : `/${name}`;
  const file = await r.inRoot(imagePath);
  if (!file) {
    r.looked.set(name, [imagePath]);
    return undefined;
  }
  const info = await readElf(file.hostPath);
  return { ...file, via: 'path' as const, dir: posix.dirname(imagePath), info };
}

/**
 * PT_INTERP at its own path; when the root lacks it there, a loader of the
 * same name in the library folders, linked from the PT_INTERP path.
 */
async function resolveInterpreter(
  r: Resolver,
  program: ElfInfo,
  root: string,
): Promise<ResolvedElfFile> {
  const interp = program.interpreter!;
  const direct = await r.inRoot(interp);
  if (direct) return direct;
  const name = posix.basename(interp);
  const dirs = glibcDefaultDirs(program.arch).concat('/usr/local/lib');
  for (const dir of dirs) {
    const found = await r.inRoot(posix.join(dir, name));
    if (!found) continue;
    return {
      imagePath: interp,
      realImagePath: found.realImagePath,
      hostPath: found.hostPath,
      symlinks: [
        ...found.symlinks,
        { imagePath: interp, target: found.realImagePath },
      ],
    };
  }
  throw new UserError(
    'ELF_LIBRARY_MISSING',
    `the program's loader ${interp} was not found` +
      (root === '/' ? '' : ` inside ${root}`) +
      `; looked at ${interp} and in ${dirs.join(', ')}`,
    {
      hint: 'install the C library the program was built against, or set TargetRoot',
    },
  );
}
