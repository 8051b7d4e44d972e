// Image and instance names: they become file names here and resource
// names in the clouds, so they are kept to a safe, portable alphabet.
import { UserError } from '../errors.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** Throws a UserError naming the bad value unless `name` is usable. */
export function validateName(kind: 'image' | 'instance', name: string): void {
  if (NAME_RE.test(name) && !name.includes('..')) return;
  const flag = kind === 'image' ? '--imagename' : '--instance-name';
  throw new UserError(
    kind === 'image' ? 'IMAGE_NAME_INVALID' : 'INSTANCE_NAME_INVALID',
    `${kind} name "${name}" is not valid`,
    {
      hint:
        `pass ${flag} with 1-63 letters, digits, "_", "-" or "." ` +
        'starting with a letter or digit',
    },
  );
}

/** "a, b, c", or "none" for an empty list: for "unknown X" errors. */
export function listNames(names: string[]): string {
  return names.length === 0 ? 'none' : [...names].sort().join(', ');
}
