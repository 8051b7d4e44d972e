// A small image writer: layer tars from entry lists or host folders, OCI
// layouts (with multi-platform indexes) and docker-archive tarballs.
// Tests and benchmarks build their images with it; output is
// reproducible (fixed mtimes and owners).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack, type Pack } from 'tar-stream';
import { sha256Digest } from './digest.js';
import {
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from './media-types.js';

export type LayerEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: string | Uint8Array; mode?: number }
  | { type: 'host-file'; path: string; hostPath: string; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'link'; path: string; target: string }
  /** Raw header name, written as given (tests of hostile layers). */
  | { type: 'raw-file'; name: string; data: string };

export interface ImageConfigInput {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
}

export interface PlatformImage {
  architecture: string;
  variant?: string;
  layers: LayerEntry[][];
  config: ImageConfigInput;
  /**
   * The config's rootfs.diff_ids as given, instead of the layers' own
   * (tests of corrupt images).
   */
  diffIds?: string[];
}

export interface WrittenBlob {
  digest: string;
  size: number;
  mediaType: string;
}

export interface WrittenLayer extends WrittenBlob {
  diffId: string;
}

const MTIME = new Date(0);

async function addEntry(p: Pack, e: LayerEntry): Promise<void> {
  const base = { mtime: MTIME, uid: 0, gid: 0 };
  const put = (header: Parameters<Pack['entry']>[0], data?: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      p.entry(header, data as Buffer, (err) => (err ? reject(err) : resolve())),
    );
  switch (e.type) {
    case 'dir':
      return put({
        ...base,
        name: e.path,
        type: 'directory',
        mode: e.mode ?? 0o755,
      });
    case 'file':
      return put(
        { ...base, name: e.path, type: 'file', mode: e.mode ?? 0o644 },
        typeof e.data === 'string' ? Buffer.from(e.data) : e.data,
      );
    case 'raw-file':
      return put(
        { ...base, name: e.name, type: 'file', mode: 0o644 },
        Buffer.from(e.data),
      );
    case 'symlink':
      return put({
        ...base,
        name: e.path,
        type: 'symlink',
        linkname: e.target,
        mode: 0o777,
      });
    case 'link':
      return put({
        ...base,
        name: e.path,
        type: 'link',
        linkname: e.target,
        mode: 0o644,
      });
    case 'host-file': {
      const size = (await stat(e.hostPath)).size;
      await new Promise<void>((resolve, reject) => {
        const sink = p.entry(
          { ...base, name: e.path, type: 'file', size, mode: e.mode ?? 0o644 },
          (err) => (err ? reject(err) : resolve()),
        );
        pipeline(createReadStream(e.hostPath), sink).catch(reject);
      });
    }
  }
}

/** Writes one layer tar (gzip'd unless `gzip: false`) into `dir`. */
export async function writeLayer(
  dir: string,
  entries: LayerEntry[],
  options: { gzip?: boolean; mediaType?: string } = {},
): Promise<WrittenLayer> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.layer-${randomBytes(6).toString('hex')}`);
  const gzip = options.gzip ?? true;
  const p = pack();
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const tee = new PassThrough();
  tee.on('data', (c: Buffer) => diff.update(c));
  const out = createWriteStream(tmp);
  const hashOut = new PassThrough();
  hashOut.on('data', (c: Buffer) => blob.update(c));
  const done = gzip
    ? pipeline(p, tee, createGzip({ level: 6 }), hashOut, out)
    : pipeline(p, tee, hashOut, out);
  for (const e of entries) await addEntry(p, e);
  p.finalize();
  await done;
  const digest = `sha256:${blob.digest('hex')}`;
  const final = join(dir, digest.slice(7));
  await rename(tmp, final);
  return {
    digest,
    diffId: `sha256:${diff.digest('hex')}`,
    size: (await stat(final)).size,
    mediaType: options.mediaType ?? (gzip ? OCI_LAYER_GZIP : OCI_LAYER),
  };
}

/** Entries for a whole host folder, symlinks and hard links kept. */
export async function entriesFromDirectory(
  hostDir: string,
  prefix = '',
): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  const seen = new Map<string, string>();
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(hostDir, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const host = join(hostDir, r);
      const st = await lstat(host);
      const path = `${prefix}${r}`;
      if (st.isDirectory()) {
        entries.push({ type: 'dir', path, mode: st.mode & 0o7777 });
        await walk(r);
      } else if (st.isSymbolicLink()) {
        entries.push({ type: 'symlink', path, target: await readlink(host) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first) entries.push({ type: 'link', path, target: first });
        else {
          if (st.nlink > 1) seen.set(key, path);
          entries.push({
            type: 'host-file',
            path,
            hostPath: host,
            mode: st.mode & 0o7777,
          });
        }
      }
    }
  }
  await walk('');
  return entries;
}

async function putJson(
  blobs: string,
  value: unknown,
): Promise<WrittenBlob & { bytes: Buffer }> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = sha256Digest(bytes);
  await writeFile(join(blobs, digest.slice(7)), bytes);
  return { digest, size: bytes.length, mediaType: '', bytes };
}

function configDocument(img: PlatformImage, diffIds: string[]): unknown {
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(img.config))
    if (v !== undefined) config[k] = v;
  return {
    architecture: img.architecture,
    os: 'linux',
    ...(img.variant ? { variant: img.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: img.diffIds ?? diffIds },
  };
}

/** Writes one platform's layers, config and manifest into `blobs`. */
async function writePlatform(
  blobs: string,
  img: PlatformImage,
  docker: boolean,
): Promise<WrittenBlob> {
  const layers: WrittenLayer[] = [];
  for (const entries of img.layers) {
    layers.push(
      await writeLayer(
        blobs,
        entries,
        docker ? { mediaType: DOCKER_LAYER_GZIP } : {},
      ),
    );
  }
  const config = await putJson(
    blobs,
    configDocument(
      img,
      layers.map((l) => l.diffId),
    ),
  );
  const manifest = await putJson(blobs, {
    schemaVersion: 2,
    mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
    config: {
      mediaType: docker
        ? 'application/vnd.docker.container.image.v1+json'
        : OCI_CONFIG,
      digest: config.digest,
      size: config.size,
    },
    layers: layers.map((l) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
    })),
  });
  return { ...manifest, mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST };
}

/**
 * Writes an OCI layout at `dir` with one image named `tag`. Several
 * platforms make a multi-platform index. Returns the top descriptor.
 */
export async function writeOciLayout(
  dir: string,
  tag: string,
  platforms: PlatformImage[],
  options: { docker?: boolean } = {},
): Promise<WrittenBlob> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const docker = options.docker ?? false;
  let top: WrittenBlob;
  if (platforms.length === 1) {
    top = await writePlatform(blobs, platforms[0]!, docker);
  } else {
    const children = [];
    for (const p of platforms) {
      const m = await writePlatform(blobs, p, docker);
      children.push({
        ...m,
        platform: {
          os: 'linux',
          architecture: p.architecture,
          ...(p.variant ? { variant: p.variant } : {}),
        },
      });
    }
    const index = await putJson(blobs, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children,
    });
    top = { ...index, mediaType: OCI_INDEX };
  }
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...top, annotations: { 'org.opencontainers.image.ref.name': tag } },
      ],
    }),
  );
  return top;
}

/** Writes a `docker save`-style tarball: uncompressed layer tars. */
export async function writeDockerArchive(
  path: string,
  repoTag: string,
  img: PlatformImage,
): Promise<void> {
  const work = `${path}.parts-${randomBytes(4).toString('hex')}`;
  try {
    const layers: WrittenLayer[] = [];
    for (const entries of img.layers) {
      layers.push(await writeLayer(work, entries, { gzip: false }));
    }
    const config = await putJson(
      work,
      configDocument(
        img,
        layers.map((l) => l.diffId),
      ),
    );
    const p = pack();
    const out = pipeline(p, createWriteStream(path));
    const add = (name: string, data: Buffer) =>
      new Promise<void>((resolve, reject) =>
        p.entry({ name, mtime: MTIME }, data, (e) =>
          e ? reject(e) : resolve(),
        ),
      );
    const cfgName = `${config.digest.slice(7)}.json`;
    await add(cfgName, config.bytes);
    const names: string[] = [];
    for (const l of layers) {
      const name = `${l.diffId.slice(7)}/layer.tar`;
      names.push(name);
      await add(name, await readFile(join(work, l.digest.slice(7))));
    }
    await add(
      'manifest.json',
      Buffer.from(
        JSON.stringify([
          { Config: cfgName, RepoTags: [repoTag], Layers: names },
        ]),
      ),
    );
    p.finalize();
    await out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
