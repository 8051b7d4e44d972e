import { describe, expect, it } from 'vitest';
import { emptyDir, type FileNode } from '../../src/image/tree.js';
import { RecordingLogger } from '../../src/log.js';
import { TreeBuilder } from '../../src/manifest/tree-ops.js';
import { flatten } from './helpers.js';

const file = (text: string): FileNode => ({
  type: 'file',
  source: { kind: 'bytes', data: new TextEncoder().encode(text) },
});

describe('TreeBuilder', () => {
  it('creates parent folders and keeps insertion order', () => {
    const t = new TreeBuilder(new RecordingLogger());
    t.put('/b/x', file('x'), 'test');
    t.put('/a', file('a'), 'test');
    expect([...flatten(t.root).keys()]).toEqual(['/b', '/b/x', '/a']);
  });

  it('follows folder links already in the tree', () => {
    const t = new TreeBuilder(new RecordingLogger());
    t.put('/usr/lib', emptyDir(), 'test');
    t.put('/lib', { type: 'symlink', target: 'usr/lib' }, 'test');
    t.put('/lib/x86_64-linux-gnu/libc.so.6', file('c'), 'test');
    t.put('/lib', emptyDir(), 'Dirs');
    t.put('/abs/link', { type: 'symlink', target: '/usr/lib/' }, 'test');
    t.put('/abs/link/y', file('y'), 'test');
    const flat = flatten(t.root);
    expect(flat.get('/lib')).toBe('-> usr/lib');
    expect(flat.get('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe('bytes:c');
    expect(flat.get('/usr/lib/y')).toBe('bytes:y');
    expect(t.get('/lib/x86_64-linux-gnu/libc.so.6')).toBeDefined();
  });

  it('creates the target of a dangling folder link', () => {
    const t = new TreeBuilder(new RecordingLogger());
    t.put('/lib64', { type: 'symlink', target: 'usr/lib64' }, 'test');
    t.put('/lib64/ld.so', file('ld'), 'test');
    expect(flatten(t.root).get('/usr/lib64/ld.so')).toBe('bytes:ld');
  });

  it('lets the later source win and logs the clash', () => {
    const log = new RecordingLogger();
    const t = new TreeBuilder(log);
    t.put('/etc/a', file('1'), 'Files');
    t.put('/etc/a', file('2'), 'Dirs');
    t.put('/etc/a/b', file('3'), 'MapDirs');
    expect(flatten(t.root).get('/etc/a/b')).toBe('bytes:3');
    expect(log.text()).toContain('/etc/a from Dirs replaces an earlier file');
    expect(log.text()).toContain('/etc/a becomes a folder');
  });

  it('stops on a link loop', () => {
    const t = new TreeBuilder(new RecordingLogger());
    t.put('/a', { type: 'symlink', target: 'b' }, 'test');
    t.put('/b', { type: 'symlink', target: 'a' }, 'test');
    expect(() => t.put('/a/x', file('x'), 'test')).toThrow('too many symlinks');
  });
});
