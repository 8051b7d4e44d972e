// Shared bits for manifest tests: a fake Nanos release and a flat view of
// an image tree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DirNode, TreeNode } from '../../src/image/tree.js';
import type { NanosRelease } from '../../src/nanos/types.js';

export function fakeRelease(dir: string, uefi = true): NanosRelease {
  mkdirSync(join(dir, 'klibs'), { recursive: true });
  writeFileSync(join(dir, 'kernel.img'), 'KERNEL');
  writeFileSync(join(dir, 'boot.img'), 'BOOT');
  writeFileSync(join(dir, 'klibs/tls'), 'TLS');
  writeFileSync(join(dir, 'klibs/ntp'), 'NTP');
  if (uefi) writeFileSync(join(dir, 'bootx64.efi'), 'EFI');
  return {
    version: '0.1.54',
    arch: 'x86_64',
    dir,
    kernelPath: join(dir, 'kernel.img'),
    bootPath: join(dir, 'boot.img'),
    uefiLoaderPath: uefi ? join(dir, 'bootx64.efi') : undefined,
    klibsDir: join(dir, 'klibs'),
  };
}

/** "/path" -> "dir" | "-> target" | host path | "bytes:<text>". */
export function flatten(dir: DirNode, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, node] of dir.children) {
    const path = `${prefix}/${name}`;
    out.set(path, describe(node));
    if (node.type === 'dir') {
      for (const [k, v] of flatten(node, path)) out.set(k, v);
    }
  }
  return out;
}

function describe(node: TreeNode): string {
  if (node.type === 'dir') return 'dir';
  if (node.type === 'symlink') return `-> ${node.target}`;
  return node.source.kind === 'host'
    ? node.source.path
    : `bytes:${Buffer.from(node.source.data).toString('utf8')}`;
}

/** The node at an absolute path, without following links. */
export function nodeAt(root: DirNode, path: string): TreeNode | undefined {
  let node: TreeNode | undefined = root;
  for (const name of path.split('/').filter(Boolean)) {
    if (node?.type !== 'dir') return undefined;
    node = node.children.get(name);
  }
  return node;
}
