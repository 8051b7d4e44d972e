// Where an image comes from: a registry reference (the default), a
// `docker-archive:` tarball (docker save) or an `oci:` layout folder,
// written as skopeo writes them.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { parseImageReference, type ImageReference } from './reference.js';

export type ImageSource =
  | { kind: 'registry'; ref: ImageReference }
  | { kind: 'docker-archive'; path: string; ref?: string }
  | { kind: 'oci-layout'; path: string; ref?: string };

/**
 * Splits `path[:ref]`. A path may itself hold colons, so the whole text
 * wins when it names an existing file.
 */
function splitPathRef(
  rest: string,
  cwd: string,
): { path: string; ref?: string } {
  const whole = isAbsolute(rest) ? rest : resolve(cwd, rest);
  if (existsSync(whole)) return { path: whole };
  const i = rest.indexOf(':');
  if (i <= 0) return { path: whole };
  return { path: resolve(cwd, rest.slice(0, i)), ref: rest.slice(i + 1) };
}

/** Written as a path: ./x, ../x, /x, or a tarball's name. */
function looksLikePath(text: string): boolean {
  return /^(\.{1,2})?\//.test(text) || /\.(tar|tar\.gz|tgz)$/.test(text);
}

/**
 * A registry reference that is really a local path: one written as a
 * path, or a bare name that is an OCI layout or a file here. A plain
 * folder of that name (a project folder called `php`) is not taken as
 * one: `docker://NAME` always means the registry.
 */
function localPathError(text: string, cwd: string): UserError | undefined {
  const path = resolve(cwd, text);
  const st = statSync(path, { throwIfNoEntry: false });
  const layout = st?.isDirectory() && existsSync(join(path, 'oci-layout'));
  if (!looksLikePath(text) && !layout && !st?.isFile()) return undefined;
  const hint =
    'an OCI layout folder is oci:PATH[:NAME], a `docker save` tarball ' +
    'docker-archive:PATH; an image in a registry is ' +
    '[registry/]repository[:tag]';
  if (!st) {
    return new UserError(
      'IMAGE_SOURCE_IS_PATH',
      `"${text}" is a path, not an image reference, and ${path} does ` +
        'not exist',
      { hint },
    );
  }
  if (st.isFile()) {
    return new UserError(
      'IMAGE_SOURCE_IS_PATH',
      `"${text}" is a file (${path}), not an image reference`,
      { hint: `for a \`docker save\` tarball write docker-archive:${text}` },
    );
  }
  if (layout) {
    return new UserError(
      'IMAGE_SOURCE_IS_PATH',
      `"${text}" is an OCI layout folder (${path}), not an image reference`,
      { hint: `write oci:${text} (oci:${text}:NAME for one of its images)` },
    );
  }
  return new UserError(
    'IMAGE_SOURCE_IS_PATH',
    `"${text}" is a folder (${path}) but not an OCI layout (no ` +
      'oci-layout file), and not an image reference',
    { hint },
  );
}

export function parseImageSource(text: string, cwd: string): ImageSource {
  const m = /^([a-z-]+):(?!\/\/)(.*)$/.exec(text);
  const transport = m?.[1];
  if (transport === 'docker-archive' || transport === 'oci') {
    const rest = m![2] ?? '';
    if (!rest) {
      throw new UserError('IMAGE_SOURCE_INVALID', `"${text}" names no path`, {
        hint: `write ${transport}:PATH[:REFERENCE]`,
      });
    }
    const { path, ref } = splitPathRef(rest, cwd);
    const kind = transport === 'oci' ? 'oci-layout' : 'docker-archive';
    return ref === undefined ? { kind, path } : { kind, path, ref };
  }
  if (text.startsWith('docker://')) {
    return { kind: 'registry', ref: parseImageReference(text.slice(9)) };
  }
  const local = localPathError(text, cwd);
  if (local) throw local;
  return { kind: 'registry', ref: parseImageReference(text) };
}
