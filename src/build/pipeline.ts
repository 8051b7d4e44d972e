// The build pipeline every command shares (run, build, pkg load, image
// create): resolve the Nanos release, turn the config into an ImageSpec,
// write the raw image.
import { UserError } from '../errors.js';
import { writeImage } from '../image/write.js';
import { buildImageSpec } from '../manifest/index.js';
import { checkProgramDeps } from '../manifest/program-files.js';
import type { NanosRelease } from '../nanos/types.js';
import { resolveNanosRelease } from '../nanos/release.js';
import type { BuiltImage } from '../../providers/types.js';
import type { BuildRequest } from './types.js';

/** Skiff builds x86-64 images; the release and the program must match. */
const TARGET_ARCH = 'x86_64';

/** Kernel and Boot from config.json replace the release's own files. */
function applyOverrides(
  release: NanosRelease,
  req: BuildRequest,
): NanosRelease {
  const { config } = req;
  const out = { ...release };
  if (config.kernelPath) out.kernelPath = config.kernelPath;
  if (config.bootPath) out.bootPath = config.bootPath;
  if (config.uefi && !out.uefiLoaderPath) {
    throw new UserError(
      'UEFI_LOADER_MISSING',
      `Uefi is set but the Nanos release in ${release.dir} has no ` +
        'bootx64.efi',
      { hint: 'use a release with bootx64.efi (--nanos-dir) or drop Uefi' },
    );
  }
  return out;
}

/** Builds the raw image at req.outPath (written whole or not at all). */
export async function buildImage(req: BuildRequest): Promise<BuiltImage> {
  const { config, logger } = req;
  // A program that cannot run is the user's to fix; say so before a
  // possibly slow (or offline) Nanos download.
  await checkProgramDeps(
    config,
    config.targetRoot ?? req.packageRoot ?? '/',
    TARGET_ARCH,
  );
  const found = await resolveNanosRelease({
    arch: TARGET_ARCH,
    version: config.nanosVersion,
    dir: req.nanosDir,
    archiveSha256: config.nanosSha256,
    paths: req.paths,
    logger,
    signal: req.signal,
  });
  const release = applyOverrides(found, req);
  logger.debug(`nanos: ${release.version} from ${release.dir}`);

  const spec = await buildImageSpec(config, release, {
    packageRoot: req.packageRoot,
    localRun: req.localRun,
    logger,
  });
  const written = await writeImage(spec, req.outPath, {
    logger,
    signal: req.signal,
  });
  return {
    path: req.outPath,
    sizeBytes: written.sizeBytes,
    uefi: config.uefi,
    arch: release.arch,
  };
}
