// Walks a stored package for `pkg contents` and sizes it for `pkg list`.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface PackageEntry {
  /** Relative to the package folder, e.g. sysroot/usr/bin/php8.2. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  sizeBytes: number;
  target?: string;
}

export async function listPackageEntries(dir: string): Promise<PackageEntry[]> {
  const out: PackageEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, r));
      if (st.isSymbolicLink()) {
        out.push({
          path: r,
          type: 'symlink',
          sizeBytes: 0,
          target: await readlink(join(dir, r)),
        });
      } else if (st.isDirectory()) {
        out.push({ path: r, type: 'dir', sizeBytes: 0 });
        await walk(r);
      } else if (st.isFile()) {
        out.push({ path: r, type: 'file', sizeBytes: st.size });
      }
    }
  };
  await walk('');
  return out;
}
