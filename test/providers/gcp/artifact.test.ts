import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GIB,
  oldGnuHeader,
  paddedRawSize,
  writeGcpArtifact,
} from '../../../providers/gcp/artifact.js';
import { RecordingLogger } from '../../../src/log.js';

let dir: string;
const ZERO = Buffer.alloc(1024 * 1024);

function isZero(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i += ZERO.length) {
    const part = buf.subarray(i, i + ZERO.length);
    if (!part.equals(ZERO.subarray(0, part.length))) return false;
  }
  return true;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-gcp-artifact-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Member {
  name: string;
  size: number;
  magic: string;
  rawHeader: Buffer;
  /** sha256 of the first `imageBytes`, and whether the rest was zeros. */
  headHash: string;
  tailAllZero: boolean;
}

async function readArchive(path: string, imageBytes: number) {
  const members: Member[] = [];
  const ex = extract();
  let firstBlock: Buffer | undefined;
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  gunzip.once('data', (chunk: Buffer) => {
    firstBlock = chunk.subarray(0, 512);
  });
  ex.on('entry', (header, stream, next) => {
    const hash = createHash('sha256');
    let seen = 0;
    let tailAllZero = true;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      const headPart = Math.max(0, Math.min(chunk.length, imageBytes - seen));
      hash.update(chunk.subarray(0, headPart));
      const tail = chunk.subarray(headPart);
      if (!isZero(tail)) tailAllZero = false;
      seen += chunk.length;
    });
    stream.on('end', () => {
      members.push({
        name: header.name,
        size: header.size ?? -1,
        magic: '',
        rawHeader: Buffer.alloc(0),
        headHash: hash.digest('hex'),
        tailAllZero,
      });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    gunzip.on('error', reject);
    createReadStream(path).pipe(gunzip).pipe(ex);
  });
  return { members, firstBlock: firstBlock! };
}

describe('writeGcpArtifact', () => {
  it('writes one OLDGNU member disk.raw, padded to a GiB, same bytes', async () => {
    const image = randomBytes(3 * 1024 * 1024 + 17);
    const raw = join(dir, 'app.raw');
    await writeFile(raw, image);
    const out = join(dir, 'app.tar.gz');

    const logger = new RecordingLogger();
    const result = await writeGcpArtifact(raw, out, { logger });

    expect(result.rawSizeBytes).toBe(GIB);
    const { members, firstBlock } = await readArchive(out, image.length);
    expect(members).toHaveLength(1);
    expect(members[0]!.name).toBe('disk.raw');
    expect(members[0]!.size % GIB).toBe(0);
    expect(members[0]!.size).toBe(result.rawSizeBytes);
    expect(members[0]!.headHash).toBe(
      createHash('sha256').update(image).digest('hex'),
    );
    expect(members[0]!.tailAllZero).toBe(true);
    expect(firstBlock.toString('latin1', 257, 265)).toBe('ustar  \0');
    expect((await readFile(out)).length).toBe(result.sizeBytes);
    expect(await readFile(raw)).toEqual(image);
    expect(await readdir(dir)).not.toContain(expect.stringMatching(/\.tmp$/));
  }, 120_000);

  it('is deterministic: the same image gives the same bytes', async () => {
    const raw = join(dir, 'same.raw');
    await writeFile(raw, Buffer.alloc(4096, 7));
    await writeGcpArtifact(raw, join(dir, 'a.tar.gz'));
    await new Promise((r) => setTimeout(r, 1100));
    await writeGcpArtifact(raw, join(dir, 'b.tar.gz'));
    const a = await readFile(join(dir, 'a.tar.gz'));
    const b = await readFile(join(dir, 'b.tar.gz'));
    expect(a.equals(b)).toBe(true);
    // gzip header: no FNAME flag, mtime 0.
    expect(a[3]! & 0x08).toBe(0);
    expect(a.readUInt32LE(4)).toBe(0);
  }, 120_000);

  it('leaves nothing behind when the image is missing', async () => {
    const out = join(dir, 'missing.tar.gz');
    await expect(
      writeGcpArtifact(join(dir, 'nope.raw'), out),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(await readdir(dir)).not.toContain('missing.tar.gz');
  });

  it('stops and cleans up when aborted', async () => {
    const raw = join(dir, 'abort.raw');
    await writeFile(raw, Buffer.alloc(1024));
    const out = join(dir, 'abort.tar.gz');
    const controller = new AbortController();
    const pending = writeGcpArtifact(raw, out, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    const left = await readdir(dir);
    expect(left.filter((f) => f.includes('abort.tar.gz'))).toEqual([]);
  });
});

describe('oldGnuHeader', () => {
  function checksumOk(h: Buffer): boolean {
    const stored = Number.parseInt(h.toString('latin1', 148, 154), 8);
    const copy = Buffer.from(h);
    copy.write('        ', 148, 'latin1');
    return stored === copy.reduce((a, b) => a + b, 0);
  }

  it('writes sizes under 8 GiB in octal', () => {
    const h = oldGnuHeader('disk.raw', 2 * GIB);
    expect(h.toString('latin1', 124, 136)).toBe('20000000000\0');
    expect(checksumOk(h)).toBe(true);
  });

  it('writes 8 GiB and more in GNU base-256', () => {
    const size = 10 * GIB;
    const h = oldGnuHeader('disk.raw', size);
    expect(h[124]).toBe(0x80);
    expect(h.readBigUInt64BE(128)).toBe(BigInt(size));
    expect(checksumOk(h)).toBe(true);
  });

  it('pads sizes to whole GiB, at least one', () => {
    expect(paddedRawSize(0)).toBe(GIB);
    expect(paddedRawSize(GIB)).toBe(GIB);
    expect(paddedRawSize(GIB + 1)).toBe(2 * GIB);
  });
});
