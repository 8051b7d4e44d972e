// Each foreground run builds its image in a folder of its own under
// <state>/run, so two runs of programs with the same name never share (or
// lock) one file; the folder goes when the VM has exited, or is renamed
// kept-... once there is an image to keep (--keep-image).
import { rmSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { onForcedExit } from '../exit-cleanup.js';
import { isProcessAlive } from '../state/process.js';

const STALE_FILE_MS = 24 * 60 * 60 * 1000;
const KEPT = 'kept-';

/**
 * Removes what runs killed before their clean-up left: folders named
 * `<pid>-...` whose process is gone, empty `kept-<pid>-...` folders
 * (older Skiff versions made them before the build, and left them when
 * it failed), and images of older Skiff versions (`<program>.img`
 * straight in the folder) not touched for a day.
 */
async function sweep(root: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries) {
    const path = join(root, entry);
    const kept = entry.startsWith(KEPT);
    const pid = /^(\d+)-/.exec(kept ? entry.slice(KEPT.length) : entry)?.[1];
    if (pid !== undefined) {
      if (await isProcessAlive({ pid: Number(pid) })) continue;
      // rmdir removes a kept folder only when it holds nothing.
      if (kept) await rmdir(path).catch(() => undefined);
      else await rm(path, { recursive: true, force: true });
      continue;
    }
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && Date.now() - info.mtimeMs > STALE_FILE_MS) {
      await rm(path, { force: true });
    }
  }
}

/** A new, empty folder for one run: <state>/run/<pid>-<random>. */
export async function createRunDir(stateDir: string): Promise<string> {
  const root = join(stateDir, 'run');
  await mkdir(root, { recursive: true, mode: 0o700 });
  await sweep(root);
  const dir = await mkdtemp(join(root, `${process.pid}-`));
  // Gone even if a second Ctrl-C ends the process before removeRunDir.
  const undo = () => rmSync(dir, { recursive: true, force: true });
  forgetters.set(dir, onForcedExit(undo));
  return dir;
}

const forgetters = new Map<string, () => void>();

/**
 * --keep-image, once the image is built: the run's folder becomes
 * kept-<pid>-<random>, which no sweep removes. Returns its new path.
 */
export async function keepRunDir(dir: string): Promise<string> {
  const kept = join(dirname(dir), `${KEPT}${basename(dir)}`);
  await rename(dir, kept);
  forgetters.get(dir)?.();
  forgetters.delete(dir);
  return kept;
}

export async function removeRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  forgetters.get(dir)?.();
  forgetters.delete(dir);
}
