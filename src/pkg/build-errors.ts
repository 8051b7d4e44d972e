// What goes wrong with an image's program while a package is built, said
// in the image's terms and with the from-docker flags that help.
import { posix } from 'node:path';
import { UserError, SkiffError } from '../errors.js';
import { resolveInRoot } from '../elf/rooted-path.js';
import type { Logger } from '../log.js';
import { readElf } from '../elf/parse.js';
import type { ElfArch } from '../elf/search-paths.js';
import type { ImageProgram } from './image-program.js';
import { inImageTerms } from './image-terms.js';

const PLATFORM_OF: Record<string, string> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
};

function shownProgram(p: ImageProgram): string {
  return p.imagePath === p.realImagePath
    ? p.imagePath
    : `${p.imagePath} (${p.realImagePath})`;
}

/**
 * A 64-bit program for another machine than the image's platform: the
 * image's config and its files disagree (a mislabelled image), which no
 * kernel choice fixes.
 */
export async function throwIfWrongArch(
  err: unknown,
  program: ImageProgram,
  arch: ElfArch,
): Promise<void> {
  if (!(err instanceof SkiffError) || err.code !== 'ELF_WRONG_ARCH') return;
  const elf = await readElf(program.hostPath).catch(() => undefined);
  if (!elf || elf.elfClass !== 64 || elf.arch === arch) return;
  const platform = PLATFORM_OF[arch] ?? arch;
  const other = PLATFORM_OF[elf.arch];
  throw new UserError(
    'ELF_WRONG_ARCH',
    `${shownProgram(program)} is an ${elf.arch} program, but the image's ` +
      `platform is linux/${platform}: the image and its program disagree`,
    {
      hint:
        `the image is mislabelled: rebuild it for ${platform} with an ` +
        `${arch} program` +
        // Only amd64 packages boot (Skiff's images are x86_64).
        (other === 'amd64' ? ', or take its amd64 variant (--arch amd64)' : ''),
    },
  );
}

/**
 * A library the image lacks. With --copy the whole image goes into the
 * package, and the loader may still find it through a folder a start
 * script would have put on LD_LIBRARY_PATH: a warning. Otherwise an error
 * whose hint names the from-docker flags (TargetRoot means nothing here).
 */
export function missingLibrary(
  err: unknown,
  root: string,
  copyAll: boolean,
  logger: Logger,
): undefined {
  if (!(err instanceof SkiffError) || err.code !== 'ELF_LIBRARY_MISSING') {
    throw err;
  }
  const message = inImageTerms(err.message, root);
  if (copyAll) {
    logger.warn(
      `${message}; the whole image is copied: set Env.LD_LIBRARY_PATH in ` +
        'your config.json if the library is in a folder the loader does ' +
        'not search',
    );
    return undefined;
  }
  throw new UserError('ELF_LIBRARY_MISSING', message, {
    cause: err,
    hint:
      'the image lacks it, or its start script puts its folder on ' +
      'LD_LIBRARY_PATH: take the whole image with --copy (then this is a ' +
      'warning) and set Env.LD_LIBRARY_PATH in your config.json',
  });
}

/**
 * Every --file path must be in the image, with --copy too. ops' --file
 * named the program: a bare name that is not an image path is most
 * likely that, so the hint says Skiff's -f.
 */
export async function checkAddFiles(
  root: string,
  addFiles: string[],
  executable: string | undefined,
): Promise<void> {
  for (const p of addFiles) {
    const imagePath = posix.resolve('/', p);
    if (await resolveInRoot(root, imagePath)) continue;
    const opsStyle = !p.includes('/') && executable === undefined;
    throw new UserError(
      'PACKAGE_FILE_MISSING',
      `--file ${p}: ${imagePath} is not in the image`,
      {
        hint: opsStyle
          ? `--file copies an image path into the package; to name the ` +
            `program (ops' -f/--file), use -f ${p}`
          : 'give the path inside the image, e.g. --file /etc/app/app.conf',
      },
    );
  }
}
