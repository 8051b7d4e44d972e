// Why the image's program cannot be used, said precisely: not there, a
// folder, not executable, a link to nothing, a script or a shell command,
// with the -f that fixes it.
import { lstat, open, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UserError } from '../errors.js';
import { resolveInRoot } from '../elf/rooted-path.js';

type Origin = 'flag' | 'entrypoint' | 'cmd';

/** What sits at an image path instead of a program, if anything. */
async function whatIsAt(
  root: string,
  imagePath: string,
): Promise<{ code: string; what: string; hint: string } | undefined> {
  const found = await resolveInRoot(root, imagePath);
  if (found?.stats.isDirectory()) {
    return {
      code: 'PROGRAM_NOT_EXECUTABLE',
      what: `${imagePath} is a folder`,
      hint: `name the program file inside it, e.g. -f ${posix.join(imagePath, 'NAME')}`,
    };
  }
  if (found?.stats.isFile()) {
    const mode = (found.stats.mode & 0o777).toString(8);
    return {
      code: 'PROGRAM_NOT_EXECUTABLE',
      what: `${imagePath} is not executable (mode ${mode})`,
      hint:
        `the image's file lacks the execute bit, as Docker would refuse ` +
        `it too: fix the image (RUN chmod +x ${imagePath})`,
    };
  }
  if (found) return undefined;
  const parent = await resolveInRoot(root, posix.dirname(imagePath));
  if (!parent?.stats.isDirectory()) return undefined;
  const at = join(parent.hostPath, posix.basename(imagePath));
  if (!(await lstat(at).catch(() => undefined))?.isSymbolicLink()) {
    return undefined;
  }
  return {
    code: 'PROGRAM_NOT_FOUND',
    what:
      `${imagePath} is a link to ${await readlink(at)}, which is not in ` +
      'the image',
    hint: 'the image lacks what the link points to: name the real program with -f',
  };
}

/**
 * No executable among `candidates` (the PATH lookup of `written`): says
 * what the first one that exists is, or that none does.
 */
export async function programNotFound(
  root: string,
  written: string,
  candidates: string[],
  searched: string,
  origin: Origin,
): Promise<UserError> {
  for (const c of candidates) {
    const at = await whatIsAt(root, c);
    if (at) {
      return new UserError(at.code, `executable "${written}": ${at.what}`, {
        hint: at.hint,
      });
    }
  }
  return new UserError(
    'PROGRAM_NOT_FOUND',
    `executable "${written}" not found in the image (${searched})`,
    {
      hint:
        origin === 'flag'
          ? '-f takes a name on the image PATH or an absolute path in ' +
            'the image: check the name'
          : `the image's ${origin === 'cmd' ? 'CMD' : 'ENTRYPOINT'} ` +
            'names it: pass the program with -f NAME or -f /absolute/path',
    },
  );
}

/** The program a shell command starts: its first word past `exec`. */
function firstProgram(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  const word = words.find((w) => w !== 'exec' && !/^\w+=/.test(w));
  return word && /^[\w./+-]+$/.test(word) ? word : undefined;
}

export function shellForm(command: string): UserError {
  const program = firstProgram(command);
  return new UserError(
    'PROGRAM_SHELL_FORM',
    `the image runs a shell command (${command}), which Nanos cannot run`,
    {
      hint: program
        ? `name the executable with -f, e.g. -f ${program}, and its ` +
          'arguments with -a'
        : 'name the executable with -f NAME, and its arguments with -a',
    },
  );
}

/** The interpreter a script's #! line names (env's argument for env). */
async function interpreterOf(hostPath: string): Promise<string | undefined> {
  const fh = await open(hostPath, 'r');
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, 256, 0);
    const line = buf.subarray(0, bytesRead).toString('latin1').split('\n')[0];
    const words = (line ?? '').replace(/^#!/, '').trim().split(/\s+/);
    const first = posix.basename(words[0] ?? '');
    const name =
      first === 'env'
        ? words.find((w, i) => i > 0 && !w.startsWith('-'))
        : first;
    return name || undefined;
  } finally {
    await fh.close();
  }
}

const SHELLS = /^(ba|da|k|mk|z|a)?sh$/;

export async function notElf(
  p: {
    written: string;
    imagePath: string;
    realImagePath: string;
    hostPath: string;
  },
  kind: string,
): Promise<UserError> {
  const message =
    `"${p.written}" (${p.realImagePath}) is ` +
    `${kind === 'script' ? 'a script' : 'not an ELF executable'}; Nanos ` +
    'runs one ELF program and no shell';
  let hint = 'pass the real executable with -f NAME';
  if (kind === 'script') {
    const interpreter = await interpreterOf(p.hostPath).catch(() => undefined);
    hint =
      !interpreter || SHELLS.test(interpreter)
        ? 'it is a shell script: pass the program it starts with -f NAME ' +
          '(and its arguments with -a)'
        : `run the script with its interpreter: -f ${interpreter} -a ` +
          p.imagePath;
  }
  return new UserError('PROGRAM_NOT_ELF', message, { hint });
}

export function programMissing(): UserError {
  return new UserError(
    'PROGRAM_MISSING',
    'the image has no ENTRYPOINT or CMD',
    {
      hint:
        'name the program with -f NAME (a name on the image PATH or an ' +
        'absolute path in the image)',
    },
  );
}
