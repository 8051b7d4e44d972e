// Kernel libraries: config Klibs -> files from the release's klibs folder.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { FileSource } from '../image/tree.js';
import type { NanosRelease } from '../nanos/types.js';

/** One FileSource per klib name; a missing one lists those available. */
export async function resolveKlibFiles(
  names: string[],
  release: NanosRelease,
): Promise<Map<string, FileSource>> {
  const out = new Map<string, FileSource>();
  if (names.length === 0) return out;
  const dir = release.klibsDir;
  const available = dir
    ? (await readdir(dir).catch(() => [] as string[])).sort()
    : [];
  for (const name of names) {
    const st = dir
      ? await stat(join(dir, name)).catch(() => undefined)
      : undefined;
    if (!dir || !st?.isFile()) {
      throw new UserError(
        'KLIB_NOT_FOUND',
        `klib "${name}" is not in Nanos ${release.version}` +
          (available.length
            ? `; available: ${available.join(', ')}`
            : ' (this release has no klibs)'),
        { hint: 'fix Klibs in config.json or the --klib flag' },
      );
    }
    out.set(name, { kind: 'host', path: join(dir, name), sizeBytes: st.size });
  }
  return out;
}
