// Platform selection in a multi-platform index (--arch, default the
// host's), with Go's architecture names as registries use them.
import { UserError } from '../errors.js';
import type { Descriptor, ImageIndex } from './manifest.js';

export interface Platform {
  os: string;
  /** amd64 or arm64 (Go names). */
  architecture: string;
  variant?: string;
}

const ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  x64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
};

/** Maps --arch values and Node's process.arch to Go names. */
export function normalizeArch(arch: string): string {
  const name = ALIASES[arch.toLowerCase()];
  if (!name) {
    throw new UserError(
      'ARCH_UNSUPPORTED',
      `unsupported architecture "${arch}"`,
      {
        hint: 'use --arch amd64 or --arch arm64',
      },
    );
  }
  return name;
}

export function linuxPlatform(arch: string): Platform {
  const architecture = normalizeArch(arch);
  const p: Platform = { os: 'linux', architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  return p;
}

export function formatPlatform(p: {
  os?: string;
  architecture?: string;
  variant?: string | undefined;
}): string {
  const parts = [p.os ?? '?', p.architecture ?? '?'];
  if (p.variant) parts.push(p.variant);
  return parts.join('/');
}

/** Picks the manifest for a platform; an arm64 variant may be absent. */
export function selectPlatform(
  index: ImageIndex,
  want: Platform,
  what: string,
): Descriptor {
  const candidates = index.manifests.filter(
    (m) =>
      m.platform?.os === want.os &&
      m.platform.architecture === want.architecture,
  );
  const exact = candidates.find(
    (m) => (m.platform?.variant ?? want.variant) === want.variant,
  );
  const chosen = exact ?? candidates[0];
  if (!chosen) {
    const offered = index.manifests
      .filter((m) => m.platform && m.platform.os !== 'unknown')
      .map((m) => formatPlatform(m.platform!))
      .join(', ');
    throw new UserError(
      'PLATFORM_NOT_FOUND',
      `${what} has no ${formatPlatform(want)} image (it has: ${offered || 'none'})`,
      { hint: 'pick another platform with --arch amd64|arm64' },
    );
  }
  return chosen;
}
