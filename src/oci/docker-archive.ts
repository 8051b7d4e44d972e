// Reads a `docker save` tarball: manifest.json names the config and the
// layer tars. Members are unpacked once into a temp folder; each layer is
// checked against the config's diff_ids.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { describeFsError, UserError } from '../errors.js';
import { checkDigest, sha256Digest } from './digest.js';
import type { LocalImage } from './local-image.js';
import { parseImageConfig } from './manifest.js';
import { checkPlatform } from './pull.js';
import type { Platform } from './platform.js';

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
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

/** Unpacks regular files of the archive into `dir`. */
async function unpack(archive: string, dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    let name: string;
    try {
      name = safeMember(header.name, archive);
    } catch (err) {
      ex.destroy(err as Error);
      return;
    }
    const dest = join(dir, name);
    names.add(name);
    mkdir(dirname(dest), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(dest)))
      .then(
        () => next(),
        (err: Error) => ex.destroy(err),
      );
  });
  try {
    await pipeline(createReadStream(archive), ex);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw describeFsError(err, 'reading docker archive', archive);
  }
  return names;
}

function pickEntry(
  entries: ArchiveEntry[],
  ref: string | undefined,
  archive: string,
): ArchiveEntry {
  if (ref) {
    const want = ref.includes(':') ? ref : `${ref}:latest`;
    const hit = entries.find((e) =>
      (e.RepoTags ?? []).some((t) => t === want || t.endsWith(`/${want}`)),
    );
    if (!hit) {
      throw new UserError(
        'IMAGE_NOT_FOUND',
        `${archive} holds no image tagged ${ref}`,
        { hint: 'list the tags with `tar -xOf ARCHIVE manifest.json`' },
      );
    }
    return hit;
  }
  if (entries.length !== 1) {
    throw new UserError(
      'ARCHIVE_AMBIGUOUS',
      `${archive} holds ${entries.length} images`,
      { hint: 'name one: docker-archive:PATH:REPO:TAG' },
    );
  }
  return entries[0]!;
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
  const names = await unpack(archive, options.workDir);
  if (!names.has('manifest.json')) {
    throw new UserError(
      'ARCHIVE_INVALID',
      `${archive} is not a docker-archive (no manifest.json)`,
      { hint: 'create it with `docker save IMAGE -o FILE.tar`' },
    );
  }
  const entries = JSON.parse(
    await readFile(join(options.workDir, 'manifest.json'), 'utf8'),
  ) as ArchiveEntry[];
  const entry = pickEntry(entries, options.ref, archive);
  const configBytes = await readFile(
    join(options.workDir, safeMember(entry.Config, archive)),
  );
  const config = parseImageConfig(configBytes, `${archive}: ${entry.Config}`);
  checkPlatform(config, options.platform, archive);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers = [];
  for (const [i, name] of entry.Layers.entries()) {
    const path = join(options.workDir, safeMember(name, archive));
    const digest = await hashFile(path);
    // Layers are stored uncompressed here, so they hash to their diff_id.
    const diffId = diffIds[i];
    if (diffId) checkDigest(diffId, digest, `${archive}: layer ${name}`);
    layers.push({ digest, path });
  }
  return {
    source: archive,
    config,
    configDigest: sha256Digest(configBytes),
    layers,
  };
}
