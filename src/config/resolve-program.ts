// The program: where it is on the host, where it goes in the image, and
// argv with the program as argv[0] exactly once.
import { basename, resolve } from 'node:path';
import { resolveInRoot } from '../elf/rooted-path.js';
import { imagePathFor } from './image-path.js';
import type { Problems } from './resolve-paths.js';
import { checkHostPath } from './resolve-paths.js';

export interface ProgramInput {
  /** The CLI positional; wins over config Program. */
  programArg?: string;
  configProgram?: string;
  /** TargetRoot or the package sysroot: the program is looked up inside. */
  root?: string;
  cwd: string;
  baseDir: string;
}

export interface ResolvedProgram {
  written: string;
  hostPath: string;
  imagePath: string;
}

/**
 * Inside a root, the program is an image path ("/usr/bin/node"; relative
 * means from "/"). Otherwise the CLI positional is relative to the cwd and
 * config Program to the config's folder.
 */
export async function resolveProgram(
  input: ProgramInput,
  problems: Problems,
): Promise<ResolvedProgram | undefined> {
  const written = input.programArg ?? input.configProgram;
  const key = input.programArg !== undefined ? 'program argument' : 'Program';
  if (written === undefined) {
    problems.push(
      'no program: pass it as the first argument or set Program in ' +
        'config.json',
    );
    return undefined;
  }
  const imagePath = imagePathFor(written);
  if (input.root !== undefined) {
    const found = await resolveInRoot(input.root, imagePath);
    if (!found || !found.stats.isFile()) {
      problems.push(
        `${key}: ${imagePath} ${found ? 'is not a file' : 'does not exist'}` +
          ` inside ${input.root}`,
      );
      return undefined;
    }
    // The real file inside the root: a link such as Debian's
    // /usr/bin/php -> /etc/alternatives/php must not be followed on the host.
    return { written, hostPath: found.hostPath, imagePath };
  }
  const base = input.programArg !== undefined ? input.cwd : input.baseDir;
  const hostPath = resolve(base, written);
  if (!(await checkHostPath(key, written, hostPath, 'file', problems))) {
    return undefined;
  }
  return { written, hostPath, imagePath };
}

/**
 * argv = [program image path, ...Args], unless Args[0] already names the
 * program (as written, its image path, or its base name): then Args as is.
 */
export function resolveArgs(
  program: ResolvedProgram,
  args: string[] | undefined,
): string[] {
  const list = args ?? [];
  const first = list[0];
  const names = new Set([
    program.written,
    program.imagePath,
    program.hostPath,
    basename(program.imagePath),
  ]);
  if (first !== undefined && names.has(first)) return [...list];
  return [program.imagePath, ...list];
}
