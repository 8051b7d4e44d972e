// Package names and versions: `<name>_<version>` folders, where both parts
// may hold `_`, `.` and `/` (php82_8.2, gcr.io/distroless/python3_debug).
import { UserError } from '../errors.js';

const PART = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export interface PackageId {
  name: string;
  version: string;
}

function checkPath(kind: string, value: string, hint: string): void {
  const parts = value.split('/');
  const bad = parts.find((p) => !PART.test(p) || p === '..' || p === '.');
  if (value === '' || bad !== undefined) {
    throw new UserError(
      'PACKAGE_NAME_INVALID',
      `invalid package ${kind} "${value}"` +
        (bad !== undefined ? `: "${bad}" is not allowed` : ''),
      { hint },
    );
  }
}

export function validatePackageName(name: string): void {
  checkPath('name', name, 'use letters, digits, ".", "_", "-" and "/"');
}

export function validatePackageVersion(version: string): void {
  checkPath('version', version, 'use letters, digits, ".", "_", "-" and "/"');
}

/** The store folder of a package, relative to the arch folder. */
export function packageDirName(id: PackageId): string {
  validatePackageName(id.name);
  validatePackageVersion(id.version);
  return `${id.name}_${id.version}`;
}

/**
 * Splits a store folder back into name and version. The manifest's
 * Version says where the split is; without one, the last `_` does.
 */
export function splitPackageDir(
  dir: string,
  manifestVersion?: string,
): PackageId {
  if (manifestVersion && dir.endsWith(`_${manifestVersion}`)) {
    return {
      name: dir.slice(0, -manifestVersion.length - 1),
      version: manifestVersion,
    };
  }
  const i = dir.lastIndexOf('_');
  if (i <= 0) return { name: dir, version: '' };
  return { name: dir.slice(0, i), version: dir.slice(i + 1) };
}

/** "php82", "php82:8.2" or "php82_8.2" as typed by the user. */
export function parsePackageSpec(text: string): {
  name: string;
  version?: string;
} {
  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    return { name: text.slice(0, colon), version: text.slice(colon + 1) };
  }
  return { name: text };
}
