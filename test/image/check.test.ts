import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBootable } from '../../src/image/check.js';
import { openImage } from '../../src/image/read.js';
import type { ImageSpec } from '../../src/image/tree.js';
import { writeImage } from '../../src/image/write.js';
import { Tuple } from '../../src/tfs/value.js';
import { walkthroughSpec } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problems(edit: (s: ImageSpec) => void): Promise<string[]> {
  const spec = walkthroughSpec();
  spec.kernel = { kind: 'bytes', data: Buffer.from('\x7fELF kernel') };
  edit(spec);
  const out = join(dir, `c-${Math.random()}.img`);
  await writeImage(spec, out);
  const img = await openImage(out);
  try {
    return await checkBootable(img);
  } finally {
    await img.close();
  }
}

describe('checkBootable', () => {
  it('accepts the walkthrough manifest with an ELF kernel', async () => {
    expect(await problems(() => undefined)).toEqual([]);
  });

  it('reports a non-ELF kernel', async () => {
    expect(
      await problems((s) => {
        s.kernel = { kind: 'bytes', data: Buffer.from('KERNEL-PLACEHOLDER\n') };
      }),
    ).toEqual(['/kernel is not an ELF file']);
  });

  it('reports a program that does not resolve to a file', async () => {
    expect(
      await problems((s) => s.manifest.set('program', '/missing')),
    ).toEqual([
      'program /missing does not resolve: /missing: no such file or ' +
        'directory in image',
    ]);
    expect(
      await problems((s) => {
        s.root.children.set('d', { type: 'dir', children: new Map() });
        s.root.children.set('l', { type: 'symlink', target: 'd' });
        s.manifest.set('program', '/l');
      }),
    ).toEqual(['program /l is a folder, not a file']);
    expect(await problems((s) => s.manifest.delete('program'))).toEqual([
      'the manifest has no "program" string',
    ]);
  });

  it('reports badly typed arguments and environment', async () => {
    expect(
      await problems((s) => {
        s.manifest.set('arguments', ['/hello', new Tuple()]);
        s.manifest.set('environment', new Tuple([['A', ['x']]]));
      }),
    ).toEqual([
      '"arguments" is not a vector of strings',
      '"environment" is not a tuple of strings',
    ]);
  });
});
