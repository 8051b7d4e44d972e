// Writes a varied tree into an image and reads every file back.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage, type ImageReader } from '../../src/image/read.js';
import type { DirNode, FileNode, TreeNode } from '../../src/image/tree.js';
import { writeImage } from '../../src/image/write.js';
import { FLAG, Tuple, type TfsValue } from '../../src/tfs/value.js';
import { seq, syntheticBootImg } from './fixtures.js';

const BIG = 40 * 1024 * 1024 + 123;
let dir: string;
let img: ImageReader;
const expected = new Map<string, Buffer>();
let bigHash: string;

const dirNode = (entries: [string, TreeNode][]): DirNode => ({
  type: 'dir',
  children: new Map(entries),
});

async function hostFile(name: string, data: Buffer): Promise<FileNode> {
  const path = join(dir, name);
  await writeFile(path, data);
  return {
    type: 'file',
    source: { kind: 'host', path, sizeBytes: data.length },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-rt-'));
  const files: [string, TreeNode][] = [];
  for (const size of [0, 1, 511, 512, 513, 3 * 1024 * 1024 + 7]) {
    const data = randomBytes(size);
    expected.set(`/sizes/f${size}`, data);
    files.push([`f${size}`, await hostFile(`f${size}`, data)]);
  }
  // A sparse host file over 32 MiB with data at both ends and the middle.
  const bigPath = join(dir, 'big');
  const fh = await open(bigPath, 'w');
  await fh.truncate(BIG);
  await fh.write(Buffer.from('start'), 0, 5, 0);
  await fh.write(Buffer.from('middle'), 0, 6, 33 * 1024 * 1024);
  await fh.write(Buffer.from('end'), 0, 3, BIG - 3);
  await fh.close();
  const h = createHash('sha256');
  const big = Buffer.alloc(BIG);
  big.write('start', 0);
  big.write('middle', 33 * 1024 * 1024);
  big.write('end', BIG - 3);
  bigHash = h.update(big).digest('hex');
  const bigNode: FileNode = {
    type: 'file',
    source: { kind: 'host', path: bigPath, sizeBytes: BIG },
  };

  const unicode = Buffer.from('unicode content ✓\n');
  expected.set('/uni/héllo-✓', unicode);
  expected.set('/uni/日本語.txt', unicode);
  const uniNode = await hostFile('uni', unicode);

  const many: [string, TreeNode][] = [];
  for (let i = 0; i < 20000; i++) {
    const data = Buffer.from(`small file number ${i}\n`);
    expected.set(`/many/file-${i}`, data);
    many.push([`file-${i}`, { type: 'file', source: { kind: 'bytes', data } }]);
  }
  const exe: FileNode = {
    type: 'file',
    source: { kind: 'bytes', data: Buffer.from('\x7fELF fake program') },
    attrs: new Tuple([['exec', FLAG]]),
  };
  expected.set('/bin/app', Buffer.from('\x7fELF fake program'));
  expected.set('/bin/app-hardlink', Buffer.from('\x7fELF fake program'));

  const root = dirNode([
    ['sizes', dirNode(files)],
    ['a', dirNode([['b', dirNode([['c', dirNode([])]])]])],
    ['big', bigNode],
    [
      'uni',
      dirNode([
        ['héllo-✓', uniNode],
        ['日本語.txt', uniNode],
      ]),
    ],
    [
      'bin',
      dirNode([
        ['app', exe],
        ['app-hardlink', exe],
        ['rel-link', { type: 'symlink', target: 'app' }],
        ['abs-link', { type: 'symlink', target: '/bin/rel-link' }],
        ['dir-link', { type: 'symlink', target: '../sizes' }],
        ['loop', { type: 'symlink', target: 'loop' }],
      ]),
    ],
    ['many', dirNode(many)],
  ]);
  const out = join(dir, 'rt.img');
  await writeImage(
    {
      bootImage: { kind: 'bytes', data: syntheticBootImg() },
      kernel: { kind: 'bytes', data: Buffer.from('\x7fELF kernel') },
      klibs: new Map([['tls', { kind: 'bytes', data: Buffer.from('tls') }]]),
      root,
      manifest: new Map<string, TfsValue>([
        ['program', '/bin/abs-link'],
        ['arguments', ['app', 'x']],
      ]),
      rootLabel: 'roundtrip',
      rootUuid: seq(1, 16),
    },
    out,
  );
  img = await openImage(out);
}, 120_000);

afterAll(async () => {
  await img?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('round trip', () => {
  it('reads every file back identical', async () => {
    for (const [path, data] of expected) {
      const got = await img.readFile(path);
      expect(got.equals(data), path).toBe(true);
    }
  });

  it('streams the sparse 40 MiB file, split into 32 MiB extents', async () => {
    const h = createHash('sha256');
    for await (const chunk of img.createReadStream('/big')) h.update(chunk);
    expect(h.digest('hex')).toBe(bigHash);
    const st = img.stat('/big');
    expect(st.sizeBytes).toBe(BIG);
    const extents = st.tuple.get('extents') as Tuple;
    expect([...extents.keys()]).toEqual(['0', '65536']);
    const second = extents.get('65536') as Tuple;
    const first = extents.get('0') as Tuple;
    expect(first.get('length')).toBe('65536');
    expect(Number(second.get('offset'))).toBe(
      Number(first.get('offset')) + 65536,
    );
  });

  it('spreads the metadata over several log extensions', () => {
    // Sector 0 plus at least two 1024-sector extensions.
    expect(img.root.extensions.length).toBeGreaterThanOrEqual(3);
    expect(img.root.extensions.slice(1).every((e) => e.sectors === 1024)).toBe(
      true,
    );
    expect(img.root.label).toBe('roundtrip');
    expect(img.root.uuid).toBe('01020304-0506-0708-090a-0b0c0d0e0f10');
  });

  it('lists directories with types and sizes, in stored order', () => {
    expect(img.list('/bin')).toEqual([
      { name: 'app', type: 'file', sizeBytes: 17 },
      { name: 'app-hardlink', type: 'file', sizeBytes: 17 },
      { name: 'rel-link', type: 'symlink', sizeBytes: 0, target: 'app' },
      {
        name: 'abs-link',
        type: 'symlink',
        sizeBytes: 0,
        target: '/bin/rel-link',
      },
      { name: 'dir-link', type: 'symlink', sizeBytes: 0, target: '../sizes' },
      { name: 'loop', type: 'symlink', sizeBytes: 0, target: 'loop' },
    ]);
    expect(img.list('/a/b/c')).toEqual([]);
    expect(img.list('/sizes').map((e) => e.sizeBytes)).toEqual([
      0,
      1,
      511,
      512,
      513,
      3 * 1024 * 1024 + 7,
    ]);
    expect(img.list('/many')).toHaveLength(20000);
  });

  it('keeps a hard link as one tuple', () => {
    expect(img.stat('/bin/app').tuple).toBe(
      img.stat('/bin/app-hardlink').tuple,
    );
    expect(img.stat('/bin/app').tuple.get('exec')).toBe(FLAG);
  });

  it('resolves symlinks inside the image, at most 8 hops', async () => {
    expect(img.stat('/bin/abs-link').path).toBe('/bin/app');
    expect(img.lstat('/bin/abs-link').type).toBe('symlink');
    expect((await img.readFile('/bin/dir-link/f1')).length).toBe(1);
    expect(img.list('/bin/dir-link')).toHaveLength(6);
    expect(() => img.stat('/bin/loop')).toThrow(/too many levels/);
    expect(() => img.stat('/nope/x')).toThrow(/\/nope\/x: no such file/);
    await expect(img.readFile('/a')).rejects.toThrow(
      '/a is a folder in the image, not a file',
    );
    expect(() => img.list('/bin/app')).toThrow(
      '/bin/app is a file in the image, not a folder',
    );
  });

  it('has the manifest and the boot filesystem', async () => {
    expect(img.manifestJson()).toEqual({
      program: '/bin/abs-link',
      arguments: ['app', 'x'],
    });
    const program = img.stat(img.manifestJson().program as string);
    expect(program.type).toBe('file');
    const boot = await img.bootfs();
    expect(boot.list('/').map((e) => e.name)).toEqual(['kernel', 'klib']);
    expect((await boot.readFile('/klib/tls')).toString()).toBe('tls');
    expect(await img.readKlog()).toBeUndefined();
  });

  it('leaves the image sparse', async () => {
    const st = await stat(join(dir, 'rt.img'));
    expect(st.blocks * 512).toBeLessThan(st.size - 20 * 1024 * 1024);
  });
});
