// Where a host path named in config.json lands in the image.
import { posix } from 'node:path';

/**
 * The image path for a path as written in config.json: an absolute path
 * keeps its place ("/opt/app" -> "/opt/app"); a relative one goes under
 * the image root with "./" and leading "../" dropped ("static" -> "/static",
 * "../shared/x" -> "/shared/x", "." -> "/").
 */
export function imagePathFor(written: string): string {
  const slashed = written.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return posix.normalize(slashed);
  const parts = posix.normalize(slashed).split('/');
  while (parts[0] === '..') parts.shift();
  const rest = parts.filter((p) => p !== '.' && p !== '').join('/');
  return `/${rest}`;
}

/** True when the last path component holds a glob character. */
export function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}

/**
 * A glob for one path component: * and ? never cross "/", [abc] and
 * [!abc] are classes. Like Go's filepath.Match (and so ops), "*" also
 * matches names that start with a dot.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
