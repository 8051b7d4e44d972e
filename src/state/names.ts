// Image and instance names: they become file names here and resource
// names in the clouds, so they are kept to a safe, portable alphabet.
import { randomBytes } from 'node:crypto';
import { SkiffError, UserError } from '../errors.js';

const MAX_NAME_LENGTH = 63;
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

/**
 * A valid image name made from a package or program name that may hold
 * "/", spaces and the like (tools/php, "my prog"). On GCP only lowercase
 * letters, digits and dashes, starting with a letter.
 */
export function derivedImageName(from: string, rule: 'local' | 'gcp'): string {
  const cleaned =
    rule === 'gcp'
      ? from
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^[^a-z]+/, '')
      : from.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  const name = cleaned
    .replace(/\.\.+/g, '.')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/[-_.]+$/, '');
  return name || 'image';
}

/** "a, b, c", or "none" for an empty list: for "unknown X" errors. */
export function listNames(names: string[]): string {
  return names.length === 0 ? 'none' : [...names].sort().join(', ');
}

/**
 * `<image>-<6 hex digits>`: the image part cut short so that the whole
 * stays a valid name, the random part so that two creates in the same
 * second do not clash. `image` must itself be a valid name.
 */
export function defaultInstanceName(
  image: string,
  suffix = randomBytes(3).toString('hex'),
): string {
  return `${image.slice(0, MAX_NAME_LENGTH - suffix.length - 1)}-${suffix}`;
}

const GENERATED_NAME_ATTEMPTS = 5;

/**
 * Runs `create` with a generated instance name, and again with a fresh
 * one while the name turns out to be taken: the user never chose it, so
 * a clash is not theirs to resolve.
 */
export async function withGeneratedName<T>(
  image: string,
  create: (name: string) => Promise<T>,
  first = defaultInstanceName(image),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create(attempt === 1 ? first : defaultInstanceName(image));
    } catch (err) {
      const taken = err instanceof SkiffError && err.code === 'INSTANCE_EXISTS';
      if (!taken || attempt >= GENERATED_NAME_ATTEMPTS) throw err;
    }
  }
}
