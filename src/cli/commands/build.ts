// `skiff build <program> -o out.img`: write the raw bootable image (and,
// for cloud targets, hand it to that target's artifact writer).
import { rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import {
  basename,
  dirname,
  isAbsolute,
  join,
  relative,
  resolve,
} from 'node:path';
import { type Command, Option } from 'commander';
import { artifactWriterFor } from '../../build/artifact.js';
// Registers the `-t gcp` artifact writer (tar.gz); loads no cloud SDK.
import '../../../providers/gcp/build-artifact.js';
import { buildImage } from '../../build/pipeline.js';
import { describeFsError } from '../../errors.js';
import { onForcedExit } from '../../exit-cleanup.js';
import { checkOutputPath } from '../../image/output.js';
import {
  removeStaleTempsBeside,
  tempPathBeside,
} from '../../image/temp-path.js';
import { formatBytes } from '../../log.js';
import {
  addBuildFlags,
  resolveBuildConfig,
  type TargetFlagSpec,
} from '../build-flags.js';
import { nanosDirOf } from '../nanos-dir.js';
import type { CliContext } from '../context.js';

/** The artifacts build writes (none of its own for aws). */
const BUILD_TARGETS: TargetFlagSpec = {
  help: 'qemu (default: the raw image) or gcp (the tar.gz GCP imports)',
  accepted: 'qemu or gcp',
};

type BuildFlags = Record<string, unknown> & {
  output?: string;
};

/**
 * An image written inside a folder that Dirs or MapDirs copy goes into
 * the next image built from that config, which then grows each time.
 */
function warnIfInsideCopiedFolder(
  ctx: CliContext,
  outPath: string,
  folders: { hostPath: string }[],
): void {
  const inside = folders.find((f) => {
    const rel = relative(f.hostPath, outPath);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  });
  if (!inside) return;
  ctx.logger.warn(
    `${outPath} is inside ${inside.hostPath}, which the config copies into ` +
      'the image: the next build will hold this image too (write it ' +
      'elsewhere with -o)',
  );
}

export function registerBuild(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('build')
    .description('build a bootable raw disk image without running it')
    .argument('[program]', 'the ELF to run (or Program in config.json)')
    .addOption(
      new Option('-o, --output <path>', 'where to write the image').default(
        undefined,
        '<program>.img in the current folder',
      ),
    );
  addBuildFlags(cmd, BUILD_TARGETS);
  cmd.action(async (programArg: string | undefined, opts: BuildFlags) => {
    const { logger, paths, io } = ctx;
    const config = await resolveBuildConfig(ctx, opts, programArg);
    // -t, else CloudConfig.Platform ("onprem" is qemu), as for image create.
    const target = config.cloud.platform;
    const writer = artifactWriterFor(target);
    const name = basename(config.programImagePath) || 'program';
    const ext = target === 'qemu' ? 'img' : 'tar.gz';
    // A folder, a device or a missing folder is known now, not after a
    // long build; a link is written through.
    const outPath = await checkOutputPath(
      resolve(io.cwd, opts.output ?? `${name}.${ext}`),
    );
    warnIfInsideCopiedFolder(ctx, outPath, [...config.dirs, ...config.mapDirs]);
    if (writer && !outPath.endsWith(`.${ext}`)) {
      // GCE takes the archive only from an object named *.tar.gz.
      const wanted = basename(outPath).replace(/(\.[^.]*)?$/, `.${ext}`);
      logger.warn(
        `${basename(outPath)} will hold a tar.gz (GCP's upload artifact); upload it under a .tar.gz name such as ${wanted}`,
      );
    }
    const request = {
      config,
      localRun: target === 'qemu',
      nanosDir: nanosDirOf(opts, ctx),
      paths,
      logger,
      signal: io.signal,
    };

    if (!writer) {
      const image = await buildImage({ ...request, outPath });
      logger.info(`built ${outPath} (${formatBytes(image.sizeBytes)})`);
      logger.result(ctx.json ? JSON.stringify(image) : image.path);
      return;
    }
    // A temp folder beside the output, named like the image's own temps,
    // so the next build removes it if this one is killed.
    await removeStaleTempsBeside(outPath);
    const work = tempPathBeside(outPath);
    await mkdir(work, { mode: 0o700 }).catch((err: unknown) => {
      throw describeFsError(err, 'creating the output', dirname(outPath));
    });
    const forget = onForcedExit(() =>
      rmSync(work, { recursive: true, force: true }),
    );
    try {
      const image = await buildImage({
        ...request,
        outPath: join(work, 'disk.raw'),
      });
      const artifact = await writer(image, outPath, {
        logger,
        signal: io.signal,
      });
      logger.result(ctx.json ? JSON.stringify({ path: artifact }) : artifact);
    } finally {
      await rm(work, { recursive: true, force: true });
      forget();
    }
  });
}
