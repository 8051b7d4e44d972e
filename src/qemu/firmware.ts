// Finds OVMF, the UEFI firmware QEMU needs to boot a UEFI image.
import { access } from 'node:fs/promises';
import { EnvironmentError } from '../errors.js';

/** Where Debian, Fedora, Arch and Homebrew install it. */
export const OVMF_CANDIDATES = [
  '/usr/share/OVMF/OVMF_CODE.fd',
  '/usr/share/ovmf/OVMF.fd',
  '/usr/share/qemu/OVMF.fd',
  '/usr/share/edk2/ovmf/OVMF_CODE.fd',
  '/usr/share/edk2-ovmf/x64/OVMF_CODE.fd',
  '/opt/homebrew/share/qemu/edk2-x86_64-code.fd',
  '/usr/local/share/qemu/edk2-x86_64-code.fd',
];

export async function findOvmf(
  candidates: string[] = OVMF_CANDIDATES,
): Promise<string> {
  for (const path of candidates) {
    try {
      await access(path);
      return path;
    } catch {
      // Try the next place.
    }
  }
  throw new EnvironmentError(
    'OVMF_NOT_FOUND',
    `no UEFI firmware (OVMF) found; looked in ${candidates.join(', ')}`,
    { hint: 'install it (`apt-get install ovmf`) or drop Uefi to boot BIOS' },
  );
}
