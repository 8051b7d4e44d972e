// Fetching and unpacking a Nanos release tarball.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { Logger } from '../log.js';

/** Saves `url` to `dest`; rejects on a non-2xx answer or a network fault. */
export type Downloader = (
  url: string,
  dest: string,
  signal?: AbortSignal,
) => Promise<void>;

/** A release is a few MB: ten minutes means the connection is stuck. */
export const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

/** The default downloader: global fetch, progress to the logger. */
export function fetchDownloader(
  logger: Logger,
  timeoutMs = DOWNLOAD_TIMEOUT_MS,
): Downloader {
  return async (url, dest, outer) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    const res = await fetch(url, { signal });
    if (!res.ok || !res.body) {
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    }
    const total = Number(res.headers.get('content-length')) || undefined;
    let done = 0;
    const progress = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        logger.progress('downloading Nanos', done, total);
        cb(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      progress,
      createWriteStream(dest),
      { signal },
    );
  };
}

/**
 * Entry names in release tarballs come as `kernel.img`, `./kernel.img` or
 * `<folder>/kernel.img`. Returns the path relative to the release root, or
 * undefined for names that would leave it.
 */
function safeRelative(name: string): string | undefined {
  const norm = normalize(name.replace(/^\.\/+/, ''));
  if (norm === '.' || norm.startsWith('..') || norm.startsWith(sep)) {
    return undefined;
  }
  return norm;
}

/** Extracts regular files and folders of a .tar.gz into `destDir`. */
export async function extractTarGz(
  archive: string,
  destDir: string,
  signal?: AbortSignal,
): Promise<void> {
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const rel = safeRelative(header.name);
    if (!rel || (header.type !== 'file' && header.type !== 'directory')) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const target = join(destDir, rel);
    const write = async () => {
      if (header.type === 'directory') {
        await mkdir(target, { recursive: true });
        stream.resume();
        return;
      }
      await mkdir(dirname(target), { recursive: true });
      await pipeline(
        stream,
        createWriteStream(target, { mode: (header.mode ?? 0o644) & 0o755 }),
      );
    };
    write().then(() => next(), next);
  });
  await pipeline(createReadStream(archive), createGunzip(), ex, { signal });
}
