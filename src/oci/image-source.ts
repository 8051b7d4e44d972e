// Where an image comes from: a registry reference (the default), a
// `docker-archive:` tarball (docker save) or an `oci:` layout folder,
// written as skopeo writes them.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
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
  const plain = text.startsWith('docker://') ? text.slice(9) : text;
  return { kind: 'registry', ref: parseImageReference(plain) };
}
