// Opens a layer blob as a tar stream, undoing gzip or zstd by the magic
// bytes rather than trusting the media type.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { EnvironmentError } from '../errors.js';

async function magic(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** How a layer file is compressed, by its first bytes. */
export async function layerCompression(
  path: string,
): Promise<LayerCompression> {
  const head = await magic(path);
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return 'none';
}

export async function openLayerTar(path: string): Promise<Readable> {
  const compression = await layerCompression(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (compression === 'gzip') {
    return raw.pipe(zlib.createGunzip({ chunkSize: 1 << 20 }));
  }
  if (compression === 'zstd') {
    const zstd = (zlib as Record<string, unknown>)['createZstdDecompress'];
    if (typeof zstd !== 'function') {
      raw.destroy();
      throw new EnvironmentError(
        'ZSTD_UNSUPPORTED',
        `layer ${path} is zstd-compressed and this Node has no zstd`,
        { hint: 'use Node 22.15 or later, or a gzip image' },
      );
    }
    return raw.pipe((zstd as () => NodeJS.ReadWriteStream)() as never);
  }
  return raw;
}
