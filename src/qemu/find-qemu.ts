// Finds the QEMU binary on PATH, or explains how to install it.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { EnvironmentError } from '../errors.js';

export const QEMU_INSTALL_HINT =
  'install QEMU: `apt-get install qemu-system-x86` (Debian/Ubuntu), ' +
  '`dnf install qemu-kvm` (Fedora), `brew install qemu` (macOS)';

export function qemuBinaryName(arch: 'x86_64' | 'aarch64'): string {
  return `qemu-system-${arch}`;
}

/**
 * The absolute path of qemu-system-<arch> on `searchPath` (the PATH value
 * the CLI passes in).
 */
export async function findQemu(
  searchPath: string | undefined,
  arch: 'x86_64' | 'aarch64' = 'x86_64',
): Promise<string> {
  const name = qemuBinaryName(arch);
  const dirs = (searchPath ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  throw new EnvironmentError('QEMU_NOT_FOUND', `${name} is not on PATH`, {
    hint: QEMU_INSTALL_HINT,
  });
}
