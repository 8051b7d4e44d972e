// `skiff build -t gcp`: GCP's artifact is disk.raw in an OLDGNU tar.gz.
// Registers itself with the build step when imported; loads no cloud SDK.
import {
  type ArtifactWriter,
  registerArtifactWriter,
} from '../../src/build/artifact.js';
import { formatBytes } from '../../src/log.js';
import { writeGcpArtifact } from './artifact.js';

export const writeGcpBuildArtifact: ArtifactWriter = async (
  image,
  outPath,
  { logger, signal },
) => {
  const result = await writeGcpArtifact(image.path, outPath, {
    logger,
    signal,
  });
  logger.info(
    `wrote ${outPath} (${formatBytes(result.sizeBytes)}; disk.raw ${formatBytes(result.rawSizeBytes)})`,
  );
  return outPath;
};

registerArtifactWriter('gcp', writeGcpBuildArtifact);
