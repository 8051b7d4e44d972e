// What boot needs from an image (nanos-disk-format.md §5.3 step 6): a
// program that resolves to a file, well-typed arguments and environment,
// and an ELF kernel in the boot filesystem.
import { SkiffError } from '../errors.js';
import { Tuple, type TfsValue } from '../tfs/value.js';
import { entryKind, tfsString } from '../tfs/volume.js';
import type { ImageReader } from './read.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function stringsOnly(v: TfsValue): boolean {
  const items = Array.isArray(v)
    ? v
    : v instanceof Tuple && [...v.keys()].every((k) => /^[0-9]+$/.test(k))
      ? [...v.values()]
      : undefined;
  return items !== undefined && items.every((x) => tfsString(x) !== undefined);
}

/** Problems that would stop the image from booting; empty when fine. */
export async function checkBootable(img: ImageReader): Promise<string[]> {
  const problems: string[] = [];
  const m = img.manifest();
  const program = tfsString(m.get('program'));
  if (program === undefined) {
    problems.push('the manifest has no "program" string');
  } else {
    try {
      const st = img.stat(program);
      if (st.type !== 'file') {
        problems.push(
          `program ${program} is a ${entryKind(st.type)}, not a file`,
        );
      } else if (!st.tuple.has('extents')) {
        problems.push(`program ${program} is an empty file`);
      }
    } catch (err) {
      if (!(err instanceof SkiffError)) throw err;
      problems.push(`program ${program} does not resolve: ${err.message}`);
    }
  }
  const args = m.get('arguments');
  if (args !== undefined && !stringsOnly(args)) {
    problems.push('"arguments" is not a vector of strings');
  }
  const env = m.get('environment');
  if (
    env !== undefined &&
    !(
      env instanceof Tuple &&
      [...env.values()].every((v) => tfsString(v) !== undefined)
    )
  ) {
    problems.push('"environment" is not a tuple of strings');
  }
  try {
    const boot = await img.bootfs();
    const kernel = boot.stat('/kernel');
    const head = await boot.readAt(kernel, 0, 4);
    if (!head.equals(ELF_MAGIC)) problems.push('/kernel is not an ELF file');
  } catch (err) {
    if (!(err instanceof SkiffError)) throw err;
    problems.push(`no usable kernel in the boot filesystem: ${err.message}`);
  }
  return problems;
}
