// Reads a `docker save` tarball: manifest.json names the config and the
// layer tars (plain or, from Docker 25 on, possibly compressed blobs).
// Members are unpacked once into a temp folder, links followed inside the
// archive; each layer is checked against the config's diff_ids when it is
// flattened.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import {
  describeFsError,
  errnoCode,
  SkiffError,
  UserError,
} from '../errors.js';
import { sha256Digest } from './digest.js';
import { layerCompression } from './layer-stream.js';
import {
  layerDiffIds,
  type LocalImage,
  type LocalLayer,
} from './local-image.js';
import { parseImageConfig } from './manifest.js';
import { checkPlatform } from './pull.js';
import type { Platform } from './platform.js';

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function safeMember(name: string, archive: string): string {
  const norm = posix.normalize(name).replace(/^\.\//, '');
  if (norm.startsWith('../') || norm === '..' || posix.isAbsolute(norm)) {
    throw new UserError(
      'ARCHIVE_PATH_ESCAPES',
      `${archive}: member "${name}" points outside the archive`,
      { hint: 'the archive is corrupt or hostile; re-create it' },
    );
  }
  return norm;
}

/** The archive's members: regular files on disk, links by target. */
interface Members {
  files: Set<string>;
  /** Symlinks and hard links: member name -> the member it names. */
  links: Map<string, string>;
}

const MAX_LINK_HOPS = 16;

/**
 * Unpacks regular files of the archive into `dir` and notes its links:
 * `docker save` (before Docker 25) and skopeo store a layer once and
 * link every other `<id>/layer.tar` to it.
 */
async function unpack(archive: string, dir: string): Promise<Members> {
  const members: Members = { files: new Set(), links: new Map() };
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const skip = () => {
      stream.resume();
      stream.on('end', next);
    };
    let name: string;
    try {
      name = safeMember(header.name, archive);
      if (header.type === 'symlink' || header.type === 'link') {
        const target = header.linkname ?? '';
        const from =
          header.type === 'symlink'
            ? posix.join(posix.dirname(name), target)
            : target;
        members.links.set(name, safeMember(from, archive));
      }
    } catch (err) {
      ex.destroy(err as Error);
      return;
    }
    if (header.type !== 'file') return skip();
    const dest = join(dir, name);
    members.files.add(name);
    mkdir(dirname(dest), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(dest)))
      .then(
        () => next(),
        (err: Error) => ex.destroy(err),
      );
  });
  try {
    await pipeline(await openArchive(archive), ex);
  } catch (err) {
    throw unreadableArchive(err, archive);
  }
  return members;
}

/** The archive as a tar stream; `docker save | gzip` output is undone. */
async function openArchive(archive: string): Promise<Readable> {
  const gzip = (await layerCompression(archive)) === 'gzip';
  const raw = createReadStream(archive, { highWaterMark: 1 << 20 });
  return gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
}

const SAVE_HINT =
  'make one with `docker save IMAGE -o FILE.tar` (or `skopeo copy ' +
  'IMAGE docker-archive:FILE.tar`); an OCI layout folder is oci:DIR';

/**
 * A file that tar-stream or gunzip cannot read (no errno, or a zlib code)
 * is not a docker archive: say which file, as `pkg add` does. A folder
 * is refused the same way; other file errors keep their own message.
 */
function unreadableArchive(err: unknown, archive: string): unknown {
  if (err instanceof SkiffError) return err;
  const code = errnoCode(err);
  if (code === 'EISDIR') {
    return new UserError(
      'ARCHIVE_INVALID',
      `${archive} is a folder, not a docker archive`,
      { cause: err, hint: SAVE_HINT },
    );
  }
  // A full or read-only disk is the fault of the folder the archive is
  // unpacked into, which the caller names.
  if (code === 'ENOSPC' || code === 'EROFS') return err;
  if (code && !code.startsWith('Z_')) {
    return describeFsError(err, 'reading docker archive', archive);
  }
  const why = err instanceof Error ? err.message : String(err);
  return new UserError(
    'ARCHIVE_INVALID',
    `${archive} is not a docker archive: not a readable tar or .tar.gz ` +
      `(${why})`,
    { cause: err, hint: SAVE_HINT },
  );
}

/** The unpacked file a member name stands for, through its links. */
function memberFile(
  members: Members,
  name: string,
  archive: string,
  dir: string,
): string {
  let current = safeMember(name, archive);
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    if (members.files.has(current)) return join(dir, current);
    const next = members.links.get(current);
    if (next === undefined) break;
    current = next;
  }
  throw new UserError(
    'ARCHIVE_INVALID',
    `${archive}: member "${name}" is missing or a broken link`,
    { hint: 'the archive is incomplete; save it again' },
  );
}

/** An entry of manifest.json, and the tag it goes by (if one). */
interface PickedEntry {
  entry: ArchiveEntry;
  tag?: string | undefined;
}

function pickEntry(
  entries: ArchiveEntry[],
  ref: string | undefined,
  archive: string,
): PickedEntry {
  const tagsOf = (e: ArchiveEntry) => e.RepoTags ?? [];
  if (ref) {
    const want = ref.includes(':') ? ref : `${ref}:latest`;
    const match = (t: string) => t === want || t.endsWith(`/${want}`);
    const hit = entries.find((e) => tagsOf(e).some(match));
    if (!hit) {
      throw new UserError(
        'IMAGE_NOT_FOUND',
        `${archive} holds no image tagged ${ref} (it has: ${listTags(entries)})`,
        { hint: 'write docker-archive:PATH:REPO:TAG with one of those' },
      );
    }
    return { entry: hit, tag: tagsOf(hit).find(match) };
  }
  if (entries.length !== 1) {
    throw new UserError(
      'ARCHIVE_AMBIGUOUS',
      `${archive} holds ${entries.length} images: ${listTags(entries)}`,
      { hint: 'name one: docker-archive:PATH:REPO:TAG' },
    );
  }
  const only = entries[0]!;
  const tags = tagsOf(only);
  return { entry: only, tag: tags.length === 1 ? tags[0] : undefined };
}

function listTags(entries: ArchiveEntry[]): string {
  const tags = entries.flatMap((e) => e.RepoTags ?? []);
  const untagged = entries.filter((e) => !e.RepoTags?.length).length;
  const parts = [...tags];
  if (untagged) parts.push(`${untagged} untagged`);
  return parts.join(', ') || 'none';
}

export interface ReadArchiveOptions {
  /** A scratch folder; the caller removes it. */
  workDir: string;
  ref?: string | undefined;
  platform: Platform;
}

export async function readDockerArchive(
  archive: string,
  options: ReadArchiveOptions,
): Promise<LocalImage> {
  const members = await unpack(archive, options.workDir);
  const file = (name: string) =>
    memberFile(members, name, archive, options.workDir);
  if (!members.files.has('manifest.json')) {
    throw new UserError(
      'ARCHIVE_INVALID',
      `${archive} is not a docker-archive (no manifest.json)`,
      { hint: 'create it with `docker save IMAGE -o FILE.tar`' },
    );
  }
  const entries = JSON.parse(
    await readFile(join(options.workDir, 'manifest.json'), 'utf8'),
  ) as ArchiveEntry[];
  const { entry, tag } = pickEntry(entries, options.ref, archive);
  const configBytes = await readFile(file(entry.Config));
  const config = parseImageConfig(configBytes, `${archive}: ${entry.Config}`);
  checkPlatform(config, options.platform, archive);
  const diffIds = layerDiffIds(config, entry.Layers.length, archive);
  // Checked while flattened, so that each layer is read once: its tar
  // against the config's diff_id and, as Docker 25+ names blobs by their
  // digest (an OCI layout inside), such a blob against its name. A tar
  // without such a name is known by its diff_id.
  const layers: LocalLayer[] = entry.Layers.map((name, i) => {
    const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(posix.normalize(name));
    const diffId = diffIds[i]!;
    return {
      digest: named ? `sha256:${named[1]}` : diffId,
      path: file(name),
      diffId,
      checkDigest: named !== null,
    };
  });
  return {
    source: archive,
    ...(tag ? { name: tag } : {}),
    config,
    configDigest: sha256Digest(configBytes),
    layers,
  };
}
