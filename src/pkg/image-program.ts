// Which program a package runs: -f if given, else ENTRYPOINT + CMD (exec
// form), looked up on the image's PATH inside the image root.
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { resolveInRoot } from '../elf/rooted-path.js';
import type { ImageConfig } from '../oci/manifest.js';
import {
  notElf,
  programMissing,
  programNotFound,
  shellForm,
} from './program-errors.js';

export const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageProgram {
  /** As the image or the user wrote it (argv[0] in the image). */
  written: string;
  /** The absolute image path found on PATH (may be a symlink). */
  imagePath: string;
  /** With every symlink resolved: the ELF itself. */
  realImagePath: string;
  hostPath: string;
  /** ENTRYPOINT's arguments after argv[0]: always passed. */
  fixedArgs: string[];
  /** CMD's arguments: defaults, replaced by the user's Args. */
  defaultArgs: string[];
  /** Where it came from, for messages. */
  origin: 'flag' | 'entrypoint' | 'cmd';
}

/** Env from the image config, "K=V" lines to a record. */
export function imageEnv(config: ImageConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of config.config?.Env ?? []) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

/**
 * The image's WORKDIR as an absolute path ("/" when unset): Docker takes
 * a relative one as relative to "/".
 */
export function imageWorkDir(config: ImageConfig): string {
  return posix.resolve('/', config.config?.WorkingDir || '/');
}

async function kindOf(hostPath: string): Promise<'elf' | 'script' | 'other'> {
  const fh = await open(hostPath, 'r');
  try {
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, 0);
    if (buf.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'elf';
    if (buf[0] === 0x23 && buf[1] === 0x21) return 'script';
    return 'other';
  } finally {
    await fh.close();
  }
}

/** Where a shell would look for `name`: a path as is, else on PATH. */
function candidatePaths(
  name: string,
  env: Record<string, string>,
  workDir: string,
): string[] {
  return name.includes('/')
    ? [posix.resolve(workDir, name)]
    : (env.PATH ?? DEFAULT_PATH)
        .split(':')
        .filter((d) => d.startsWith('/'))
        .map((d) => posix.join(d, name));
}

/** Finds `name` like a shell would: the first executable file found. */
export async function lookupExecutable(
  root: string,
  name: string,
  env: Record<string, string>,
  workDir = '/',
) {
  const candidates = candidatePaths(name, env, workDir);
  for (const imagePath of candidates) {
    const found = await resolveInRoot(root, imagePath);
    if (found?.stats.isFile() && (found.stats.mode & 0o111) !== 0) {
      return { imagePath, found };
    }
  }
  return undefined;
}

/** Shells a Dockerfile's SHELL may name; busybox runs them as applets. */
const SHELLS = new Set(['sh', 'ash', 'bash', 'dash', 'ksh', 'mksh', 'zsh']);

/**
 * The command a shell form runs (`sh -c CMD`, `bash -o pipefail -c CMD`,
 * `/bin/busybox sh -ec CMD`), or undefined for an exec form.
 */
export function shellCommand(argv: string[]): string | undefined {
  let rest = argv;
  if (posix.basename(rest[0] ?? '') === 'busybox') rest = rest.slice(1);
  if (!SHELLS.has(posix.basename(rest[0] ?? ''))) return undefined;
  for (let i = 1; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--' || !/^[-+][A-Za-z]+$/.test(arg)) return undefined;
    // A cluster such as -ec or -xc holds -c.
    if (/^-[A-Za-z]*c/.test(arg)) return rest.slice(i + 1).join(' ');
    // -o / -O (also ending a cluster: -eo pipefail) take a value.
    if (/[oO]$/.test(arg)) i++;
  }
  return undefined;
}

interface CommandParts {
  /** argv[0] and the arguments always passed. */
  fixed: string[];
  /** Arguments the user's Args replace (CMD's, when CMD follows). */
  defaults: string[];
}

async function resolveProgramArgv(
  root: string,
  { fixed, defaults }: CommandParts,
  env: Record<string, string>,
  workDir: string,
  origin: ImageProgram['origin'],
): Promise<ImageProgram & { kind: string }> {
  const written = fixed[0]!;
  const hit = await lookupExecutable(root, written, env, workDir);
  if (!hit) {
    throw await programNotFound(
      root,
      written,
      candidatePaths(written, env, workDir),
      written.includes('/')
        ? `a path from ${workDir}`
        : `PATH=${env.PATH ?? DEFAULT_PATH}`,
      origin,
    );
  }
  return {
    written,
    imagePath: hit.imagePath,
    realImagePath: hit.found.realImagePath,
    hostPath: hit.found.hostPath,
    fixedArgs: fixed.slice(1),
    defaultArgs: defaults,
    origin,
    kind: await kindOf(hit.found.hostPath),
  };
}

/**
 * Picks the program. Without -f: ENTRYPOINT + CMD; an ENTRYPOINT that is
 * a shell script (docker-php-entrypoint, docker-entrypoint.sh) is skipped
 * for CMD when CMD names an ELF, as those scripts just exec CMD.
 */
export async function chooseImageProgram(
  root: string,
  config: ImageConfig,
  executable: string | undefined,
  onNote: (message: string) => void,
): Promise<ImageProgram> {
  const env = imageEnv(config);
  const workDir = imageWorkDir(config);
  if (executable !== undefined) {
    const p = await resolveProgramArgv(
      root,
      { fixed: [executable], defaults: [] },
      env,
      workDir,
      'flag',
    );
    if (p.kind !== 'elf') throw await notElf(p, p.kind);
    return p;
  }
  const entry = config.config?.Entrypoint ?? [];
  const cmd = config.config?.Cmd ?? [];
  const argv = [...entry, ...cmd];
  if (argv.length === 0) {
    throw programMissing();
  }
  const shell = shellCommand(argv);
  if (shell !== undefined) throw shellForm(shell);
  // As in Docker: ENTRYPOINT is the command, CMD its default arguments;
  // without an ENTRYPOINT, CMD's first word is the command.
  const parts = entry.length
    ? { fixed: entry, defaults: cmd }
    : { fixed: cmd.slice(0, 1), defaults: cmd.slice(1) };
  const p = await resolveProgramArgv(
    root,
    parts,
    env,
    workDir,
    entry.length ? 'entrypoint' : 'cmd',
  );
  if (p.kind === 'elf') return p;
  const cmdShell = shellCommand(cmd);
  if (entry.length > 0 && cmdShell !== undefined) throw shellForm(cmdShell);
  if (entry.length > 0 && cmd.length > 0) {
    const c = await resolveProgramArgv(
      root,
      { fixed: cmd.slice(0, 1), defaults: cmd.slice(1) },
      env,
      workDir,
      'cmd',
    ).catch(() => undefined);
    if (c?.kind === 'elf') {
      onNote(
        `ENTRYPOINT ${entry[0]} is ${p.kind === 'script' ? 'a script' : 'not an ELF'}; using CMD ${c.written}`,
      );
      return c;
    }
  }
  throw await notElf(p, p.kind);
}
