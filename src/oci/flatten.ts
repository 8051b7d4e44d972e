// Applies image layers in order onto a folder: whiteouts (.wh.NAME) and
// opaque directories (.wh..wh..opq) hide lower layers, symlinks are kept
// verbatim, hard links become hard links. Entries that would land outside
// the folder are refused; devices and fifos are skipped (Nanos has none).
import { createWriteStream } from 'node:fs';
import {
  chmod,
  link,
  lstat,
  mkdir,
  readdir,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header as Headers } from 'tar-stream';
import { errnoCode, SkiffError, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { throwIfAborted } from './abort.js';
import { LayerDigests } from './layer-digests.js';
import { openLayerTar, tapChunks } from './layer-stream.js';
import type { LocalLayer } from './local-image.js';
import { normalizeEntryName, resolveInRoot } from './root-path.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const SMALL_FILE_BYTES = 1 << 20;

export interface FlattenStats {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  whiteouts: number;
  skipped: number;
}

interface LayerState {
  root: string;
  where: string;
  /** Image paths written by this layer, with their ancestors. */
  touched: Set<string>;
  stats: FlattenStats;
  logger: Logger;
  /**
   * Small files being written, by host path: tar entries arrive one at a
   * time, but their writes can overlap. Anything that could depend on an
   * earlier write (links, whiteouts, the same path) waits for it first.
   */
  pending: Map<string, Promise<void>>;
  signal?: AbortSignal | undefined;
}

const MAX_PENDING = 64;

/** Waits for the write to `dest`, or for all writes without one. */
async function settle(state: LayerState, dest?: string): Promise<void> {
  if (dest === undefined) {
    const all = [...state.pending.values()];
    state.pending.clear();
    await Promise.all(all);
    return;
  }
  const p = state.pending.get(dest);
  if (p) {
    state.pending.delete(dest);
    await p;
  }
}

function touch(state: LayerState, rel: string): void {
  let p = rel;
  while (p && !state.touched.has(p)) {
    state.touched.add(p);
    p = posix.dirname(p) === '.' ? '' : posix.dirname(p);
  }
}

/** The host folder for `parentRel`, created inside the root if missing. */
async function ensureParent(
  state: LayerState,
  parentRel: string,
): Promise<string> {
  const resolved = resolveInRoot(state.root, parentRel, {
    where: state.where,
    refuseEscape: true,
  });
  const host = join(state.root, resolved.path);
  if (!resolved.exists) await mkdir(host, { recursive: true, mode: 0o755 });
  return host;
}

async function removeExisting(path: string, keepDir: boolean): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (keepDir && st.isDirectory()) return;
  await rm(path, { recursive: true, force: true });
}

/**
 * Hides what lower layers put at `rel`: removed whole when this layer
 * wrote nothing there, else pruned down to what this layer wrote. A
 * whiteout or an opaque marker never hides its own layer's files (OCI
 * image spec, "Whiteouts"), wherever it sits in the layer's tar.
 */
async function hideLower(state: LayerState, rel: string, host: string) {
  if (!state.touched.has(rel)) {
    await rm(host, { recursive: true, force: true });
    return;
  }
  const st = await lstat(host).catch(() => undefined);
  if (!st?.isDirectory()) return;
  for (const name of await readdir(host)) {
    await hideLower(state, `${rel}/${name}`, join(host, name));
  }
}

async function applyOpaque(state: LayerState, dirRel: string, dir: string) {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const rel = dirRel ? `${dirRel}/${name}` : name;
    await hideLower(state, rel, join(dir, name));
  }
  state.stats.whiteouts++;
}

function modeOf(header: Headers): number {
  return ((header.mode ?? 0o644) & 0o7777) | 0o600;
}

async function writeSmall(
  path: string,
  data: Buffer,
  mode: number,
): Promise<void> {
  await removeExisting(path, false);
  // `wx`: never write through a symlink that might sit at this name.
  await writeFile(path, data, { flag: 'wx', mode });
  await chmod(path, mode);
}

async function writeRegular(
  state: LayerState,
  path: string,
  stream: Readable,
  header: Headers,
): Promise<void> {
  const mode = modeOf(header);
  if ((header.size ?? 0) <= SMALL_FILE_BYTES) {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    await settle(state, path);
    const p = writeSmall(path, Buffer.concat(chunks), mode);
    p.catch(() => undefined);
    state.pending.set(path, p);
    if (state.pending.size >= MAX_PENDING) await settle(state);
    return;
  }
  await settle(state, path);
  await removeExisting(path, false);
  await pipeline(stream, createWriteStream(path, { flags: 'wx', mode }));
  await chmod(path, mode);
}

async function applyEntry(
  state: LayerState,
  header: Headers,
  stream: Readable,
): Promise<void> {
  const rel = normalizeEntryName(header.name, state.where);
  if (rel === '') {
    stream.resume();
    return;
  }
  const base = posix.basename(rel);
  const parentRel = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
  const parent = await ensureParent(state, parentRel);
  const dest = join(parent, base);

  if (header.type !== 'file' && header.type !== 'directory') {
    await settle(state);
  }
  if (base === OPAQUE) {
    stream.resume();
    await settle(state);
    await applyOpaque(state, parentRel, parent);
    return;
  }
  if (base.startsWith(WHITEOUT)) {
    stream.resume();
    await settle(state);
    const name = base.slice(WHITEOUT.length);
    await hideLower(
      state,
      parentRel ? `${parentRel}/${name}` : name,
      join(parent, name),
    );
    state.stats.whiteouts++;
    return;
  }
  touch(state, rel);
  switch (header.type) {
    case 'directory': {
      stream.resume();
      await settle(state, dest);
      await removeExisting(dest, true);
      await mkdir(dest, { recursive: true });
      await chmod(dest, ((header.mode ?? 0o755) & 0o7777) | 0o700);
      state.stats.dirs++;
      return;
    }
    case 'file':
    case 'contiguous-file': {
      await writeRegular(state, dest, stream, header);
      state.stats.files++;
      return;
    }
    case 'symlink': {
      stream.resume();
      await removeExisting(dest, false);
      await symlink(header.linkname ?? '', dest);
      state.stats.symlinks++;
      return;
    }
    case 'link': {
      stream.resume();
      await applyHardLink(state, header.linkname ?? '', dest, rel);
      return;
    }
    default:
      stream.resume();
      state.stats.skipped++;
      state.logger.debug(`${state.where}: skipped ${header.type} /${rel}`);
  }
}

async function applyHardLink(
  state: LayerState,
  linkname: string,
  dest: string,
  rel: string,
): Promise<void> {
  const targetRel = normalizeEntryName(linkname, state.where);
  const parentRel =
    posix.dirname(targetRel) === '.' ? '' : posix.dirname(targetRel);
  const parent = resolveInRoot(state.root, parentRel, {
    where: state.where,
    refuseEscape: true,
  });
  const target = join(state.root, parent.path, posix.basename(targetRel));
  const st = await lstat(target).catch(() => undefined);
  if (!st || st.isDirectory()) {
    throw new UserError(
      'LAYER_BAD_HARDLINK',
      `${state.where}: hard link /${rel} points to /${targetRel}, which is ${st ? 'a directory' : 'missing'}`,
      { hint: 'the image is corrupt; rebuild or re-pull it' },
    );
  }
  await removeExisting(dest, false);
  await link(target, dest);
  state.stats.hardlinks++;
}

async function applyLayer(state: LayerState, layer: LocalLayer): Promise<void> {
  const digests = new LayerDigests(layer, state.where);
  const tar = await openLayerTar(layer.path, {
    onBlobChunk: digests.onBlobChunk,
    what: state.where,
  });
  const ex = extract();
  const done = pipeline(tar, tapChunks(digests.onTarChunk), ex);
  // Observed below; a refused entry ends the loop first.
  done.catch(() => undefined);
  try {
    for await (const entry of ex) {
      throwIfAborted(state.signal, `applying ${state.where}`);
      await applyEntry(state, entry.header, entry as unknown as Readable);
    }
    await settle(state);
  } catch (err) {
    tar.destroy();
    await Promise.allSettled(state.pending.values());
    throw await layerFault(err, state.where, digests);
  }
  await done.catch(async (err: unknown) => {
    throw await layerFault(err, state.where, digests);
  });
  digests.check();
}

/** Faults of the layer's own content, which a corrupt download explains. */
const CONTENT_FAULTS = new Set([
  'LAYER_INVALID',
  'LAYER_BAD_HARDLINK',
  'LAYER_PATH_ESCAPES',
  'SYMLINK_LOOP',
]);

/**
 * The error to report for a layer that could not be applied: a digest
 * mismatch when the layer is not the one the image names (it explains
 * the rest), else the error itself.
 */
async function layerFault(
  err: unknown,
  where: string,
  digests: LayerDigests,
): Promise<unknown> {
  const fault = unreadable(err, where);
  if (fault instanceof SkiffError && CONTENT_FAULTS.has(fault.code)) {
    await digests.checkAfter(fault);
  }
  return fault;
}

/**
 * A tar or decompressor failure (no Skiff code, no errno such as ENOSPC)
 * means the layer itself is bad: say which one.
 */
function unreadable(err: unknown, where: string): unknown {
  if (err instanceof SkiffError) return err;
  const code = errnoCode(err);
  if (code && !code.startsWith('Z_')) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new UserError(
    'LAYER_INVALID',
    `${where}: not a readable tar (${why})`,
    { cause: err, hint: 'the image is corrupt; pull or save it again' },
  );
}

/**
 * Flattens `layers` (bottom first) into `root`, an empty folder. On error
 * the caller removes `root`: nothing is ever written outside it.
 */
export async function flattenLayers(
  layers: LocalLayer[],
  root: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<FlattenStats> {
  const stats: FlattenStats = {
    files: 0,
    dirs: 0,
    symlinks: 0,
    hardlinks: 0,
    whiteouts: 0,
    skipped: 0,
  };
  await mkdir(root, { recursive: true });
  for (const [i, layer] of layers.entries()) {
    const where =
      layer.label ??
      `layer ${i + 1}/${layers.length} (${layer.digest.slice(0, 19)})`;
    logger.debug(`applying ${where}`);
    await applyLayer(
      {
        root,
        where,
        touched: new Set(),
        stats,
        logger,
        pending: new Map(),
        signal,
      },
      layer,
    );
  }
  return stats;
}
