import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { findQemu } from '../../src/qemu/find-qemu.js';

describe('findQemu', () => {
  it('finds the binary on the given PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-path-'));
    try {
      const bin = join(dir, 'qemu-system-x86_64');
      await writeFile(bin, '#!/bin/sh\n');
      await chmod(bin, 0o755);
      expect(await findQemu(`/nonexistent:${dir}`)).toBe(bin);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('explains how to install QEMU when it is missing', async () => {
    const err = (await findQemu('/nonexistent').catch((e) => e)) as SkiffError;
    expect(err.code).toBe('QEMU_NOT_FOUND');
    expect(err.message).toContain('qemu-system-x86_64');
    expect(err.hint).toContain('apt-get install qemu-system-x86');
    expect(err.hint).toContain('brew install qemu');
    expect(err.hint).toContain('dnf install qemu-kvm');
  });
});
