// Target-specific artifacts `skiff build -t <target>` writes from the raw
// image (e.g. GCP's disk.raw in a tar.gz). Targets register a writer here;
// qemu needs none: its artifact is the raw image itself.
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BuiltImage } from '../../providers/types.js';

export type ArtifactWriter = (
  image: BuiltImage,
  outPath: string,
  opts: { logger: Logger; signal?: AbortSignal },
) => Promise<string>;

const writers = new Map<string, ArtifactWriter>();

export function registerArtifactWriter(
  target: string,
  writer: ArtifactWriter,
): void {
  writers.set(target, writer);
}

/** undefined for qemu (raw image); throws for a target without a writer. */
export function artifactWriterFor(target: string): ArtifactWriter | undefined {
  if (target === 'qemu') return undefined;
  const writer = writers.get(target);
  if (writer) return writer;
  throw new UserError(
    'TARGET_NOT_SUPPORTED',
    `skiff build has no ${target} artifact: it writes a raw image (-t ` +
      `qemu) or GCP's tar.gz (-t gcp)`,
    {
      hint:
        'build the raw image with -t qemu, or build and register it in ' +
        `one step: skiff image create -t ${target}`,
    },
  );
}
