// Opens a layer blob as a tar stream, undoing gzip or zstd by the magic
// bytes rather than trusting the media type.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, Transform, type Readable } from 'node:stream';
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

export interface OpenLayerOptions {
  /** Sees the file's bytes as they are read (to hash the blob too). */
  onBlobChunk?: (chunk: Buffer) => void;
  /** Names the layer in messages (default: its path). */
  what?: string;
}

/** A pass-through that shows each chunk to `see`. */
export function tapChunks(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      see(chunk);
      done(null, chunk);
    },
  });
}

/** The decompressor for a layer, none for a plain tar. */
function decompressor(
  compression: LayerCompression,
  what: string,
): Transform | undefined {
  if (compression === 'gzip') return zlib.createGunzip({ chunkSize: 1 << 20 });
  if (compression === 'none') return undefined;
  const zstd = (zlib as Record<string, unknown>)['createZstdDecompress'];
  if (typeof zstd !== 'function') {
    throw new EnvironmentError(
      'ZSTD_UNSUPPORTED',
      `${what} is zstd-compressed and this Node has no zstd`,
      { hint: 'use Node 22.15 or later, or a gzip image' },
    );
  }
  return (zstd as () => Transform)();
}

/**
 * The layer's tar: the file through its decompressor. An error anywhere
 * along the chain ends the stream returned with that error.
 */
export async function openLayerTar(
  path: string,
  options: OpenLayerOptions = {},
): Promise<Readable> {
  const compression = await layerCompression(path);
  const decompress = decompressor(compression, options.what ?? `layer ${path}`);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const rest: Transform[] = [];
  if (options.onBlobChunk) rest.push(tapChunks(options.onBlobChunk));
  if (decompress) rest.push(decompress);
  if (rest.length === 0) return file;
  // The callback form returns the last stream and destroys them all on
  // an error, which reaches whoever reads the last one.
  return pipeline(file, ...(rest as [Transform]), () => undefined);
}
