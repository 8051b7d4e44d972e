// Determinism (same inputs, same bytes; UUIDs from content), atomicity
// (no output and no temp file after a failure or an abort) and the size
// rules.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import {
  lstat,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, SkiffError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { openImage } from '../../src/image/read.js';
import type { ImageSpec } from '../../src/image/tree.js';
import { writeImage } from '../../src/image/write.js';
import { walkthroughSpec } from './fixtures.js';

const dirs: string[] = [];
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-ws-'));
  dirs.push(dir);
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function hostSpec(content: string): Promise<ImageSpec> {
  const app = join(dir, `app-${content.length}-${content.charCodeAt(0)}`);
  await writeFile(app, content);
  const spec = walkthroughSpec();
  delete spec.rootUuid;
  delete spec.bootUuid;
  spec.root.children.set('app', {
    type: 'file',
    source: { kind: 'host', path: app, sizeBytes: content.length },
  });
  return spec;
}

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

describe('determinism', () => {
  it('gives identical bytes for identical inputs', async () => {
    await writeImage(await hostSpec('same content'), join(dir, 'a.img'));
    await writeImage(await hostSpec('same content'), join(dir, 'b.img'));
    expect(await sha(join(dir, 'a.img'))).toBe(await sha(join(dir, 'b.img')));
  });

  it('derives a different root UUID from different file content', async () => {
    const ra = await writeImage(
      await hostSpec('content A'),
      join(dir, 'a.img'),
    );
    const rb = await writeImage(
      await hostSpec('content B'),
      join(dir, 'b.img'),
    );
    const a = await openImage(join(dir, 'a.img'));
    const b = await openImage(join(dir, 'b.img'));
    expect(a.root.uuid).not.toBe(b.root.uuid);
    expect(a.root.uuid).toBe(ra.rootUuid);
    expect(b.root.uuid).toBe(rb.rootUuid);
    expect((await a.bootfs()).uuid).toBe(ra.bootUuid);
    expect((await a.bootfs()).uuid).toBe((await b.bootfs()).uuid);
    await a.close();
    await b.close();
  });
});

describe('atomicity', () => {
  const leftovers = async () =>
    (await readdir(dir)).filter(
      (n) => n.endsWith('.img') || n.includes('.tmp-'),
    );

  it('leaves nothing when a host file is missing', async () => {
    const spec = await hostSpec('x');
    spec.root.children.set('gone', {
      type: 'file',
      source: { kind: 'host', path: join(dir, 'gone'), sizeBytes: 10 },
    });
    const err = await writeImage(spec, join(dir, 'out.img')).catch((e) => e);
    expect(err).toBeInstanceOf(SkiffError);
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain(join(dir, 'gone'));
    expect(await leftovers()).toEqual([]);
  });

  it('names a host file whose size changed since planning', async () => {
    const spec = await hostSpec('twelve bytes');
    const node = spec.root.children.get('app');
    if (node?.type !== 'file' || node.source.kind !== 'host') throw new Error();
    await writeFile(node.source.path, 'now longer than twelve bytes');
    const err = await writeImage(spec, join(dir, 'out.img')).catch((e) => e);
    expect(err.code).toBe('IMAGE_SOURCE_CHANGED');
    expect(err.message).toContain(node.source.path);
    expect(await leftovers()).toEqual([]);
  });

  it('removes the temp file on abort and keeps an older output', async () => {
    const out = join(dir, 'out.img');
    await writeFile(out, 'previous image');
    const spec = await hostSpec('x');
    for (let i = 0; i < 50; i++) {
      spec.root.children.set(`f${i}`, {
        type: 'file',
        source: { kind: 'bytes', data: Buffer.alloc(4096, i + 1) },
      });
    }
    const ac = new AbortController();
    const logger = {
      ...silentLogger,
      progress: () => ac.abort(),
    };
    const err = await writeImage(spec, out, {
      logger,
      signal: ac.signal,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(await readFile(out, 'utf8')).toBe('previous image');
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('explains an unwritable output directory', async () => {
    const err = await writeImage(
      await hostSpec('x'),
      join(dir, 'no-such-dir', 'out.img'),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(SkiffError);
    expect(err.code).toBe('OUTPUT_DIR_MISSING');
    expect(err.message).toContain(join(dir, 'no-such-dir', 'out.img'));
  });
});

describe('output path', () => {
  it('never renames an image over a named pipe or a socket', async () => {
    // Not /dev/null: as root, a regression would replace the real one.
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      for (const [out, what] of [
        [fifo, 'a named pipe'],
        [sock, 'a socket'],
      ]) {
        const err = await writeImage(await hostSpec('x'), out!).catch((e) => e);
        expect(err).toBeInstanceOf(SkiffError);
        expect(err.code).toBe('OUTPUT_NOT_A_FILE');
        expect(err.message).toBe(
          `cannot write the image to ${out}: it is ${what}`,
        );
      }
      expect((await lstat(fifo)).isFIFO()).toBe(true);
      expect((await lstat(sock)).isSocket()).toBe(true);
    } finally {
      server.close();
    }
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('writes through a link and keeps it, refusing a dangling one', async () => {
    const real = join(dir, 'real.img');
    await writeFile(real, 'old');
    await symlink(real, join(dir, 'link.img'));
    await writeImage(await hostSpec('x'), join(dir, 'link.img'));
    expect((await lstat(join(dir, 'link.img'))).isSymbolicLink()).toBe(true);
    const reader = await openImage(real);
    expect(reader.list('/').map((e) => e.name)).toContain('app');
    await reader.close();

    await symlink(join(dir, 'gone.img'), join(dir, 'dangling.img'));
    const err = await writeImage(
      await hostSpec('x'),
      join(dir, 'dangling.img'),
    ).catch((e) => e);
    expect(err.code).toBe('OUTPUT_NOT_A_FILE');
    expect(err.message).toContain('a link to a file that does not exist');
  });
});

describe('validation and size', () => {
  it('rejects a label over 31 bytes and a bad name before writing', async () => {
    const spec = await hostSpec('x');
    spec.rootLabel = 'x'.repeat(32);
    await expect(writeImage(spec, join(dir, 'o.img'))).rejects.toThrow(
      /at most 31 bytes/,
    );
    const bad = await hostSpec('x');
    bad.root.children.set('a/b', { type: 'dir', children: new Map() });
    await expect(writeImage(bad, join(dir, 'o.img'))).rejects.toThrow(
      /"a\/b" in \/ contains "\/"/,
    );
    const link = await hostSpec('x');
    link.root.children.set('l', { type: 'symlink', target: '' });
    await expect(writeImage(link, join(dir, 'o.img'))).rejects.toThrow(
      /symlink \/l has an empty target/,
    );
    expect(await readdir(dir)).not.toContain('o.img');
  });

  it('rejects a kernel that does not fit the 12 MiB boot filesystem', async () => {
    const spec = await hostSpec('x');
    spec.kernel = { kind: 'bytes', data: Buffer.alloc(12 * 1024 * 1024) };
    await expect(writeImage(spec, join(dir, 'o.img'))).rejects.toThrow(
      /boot filesystem holds/,
    );
  });

  it('uses BaseVolumeSz as the minimum total size, rounded to 512', async () => {
    const spec = await hostSpec('x');
    spec.minSizeBytes = 100 * 1024 * 1024 + 1;
    const res = await writeImage(spec, join(dir, 'o.img'));
    expect(res.sizeBytes).toBe(100 * 1024 * 1024 + 512);
    const img = await openImage(join(dir, 'o.img'));
    expect(img.sizeBytes).toBe(res.sizeBytes);
    expect(img.partitions.rootTableBytes).toBe(
      res.sizeBytes - res.rootOffsetBytes,
    );
    await img.close();
    spec.minSizeBytes = 1024;
    const small = await writeImage(spec, join(dir, 'p.img'));
    // Used: sectors 0..1025 plus app (1 sector) = 1027 sectors, + 512 KiB.
    expect(small.sizeBytes).toBe(small.rootOffsetBytes + 1027 * 512 + 524288);
  });
});
