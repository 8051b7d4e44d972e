// The library search itself: the loader's folder order for one object,
// and the lookup of a name, a path or the program's loader inside the root.
import { stat } from 'node:fs/promises';
import { posix, resolve as hostResolve } from 'node:path';
import { UserError } from '../errors.js';
import { readElf, type ElfInfo } from './parse.js';
import { resolveInRoot } from './rooted-path.js';
import {
  expandDynamicTokens,
  glibcDefaultDirs,
  muslSearchDirs,
  readLdSoConf,
} from './search-paths.js';
import type { FoundVia, ResolvedElfFile, ResolveElfOptions } from './types.js';

export interface LoadedObject {
  info: ElfInfo;
  imagePath: string;
  /** $ORIGIN: image folder, and the host folder when outside the root. */
  originImageDir: string;
  originHostDir?: string;
}

export interface SearchDir {
  dir: string;
  via: FoundVia;
  /** Set when the folder is on the host outside the root ($ORIGIN). */
  hostDir?: string;
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

export class Resolver {
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
    // A conf folder that is also built in needs no LD_LIBRARY_PATH later.
    const builtIn = new Set(this.defaultDirs);
    return [
      ...this.confDirs.map((dir) => ({
        dir,
        via: builtIn.has(dir) ? ('default' as const) : ('ld.so.conf' as const),
      })),
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

export function missingError(
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

export async function findByPath(r: Resolver, name: string) {
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
export async function resolveInterpreter(
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
      hint:
        'install the C library the program was built against, or set ' +
        'TargetRoot',
    },
  );
}
