// `skiff image create|list`: build and store named images on a
// target (local QEMU store, or a cloud's image registry) and manage them.
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildImage } from '../../build/pipeline.js';
import type { ResolvedConfig } from '../../config/types.js';
import { formatBytes } from '../../log.js';
import { UserError } from '../../errors.js';
import { derivedImageName, validateName } from '../../state/names.js';
import {
  createOwnedTempDir,
  removeStaleTemps,
} from '../../state/owned-temp.js';
import {
  createProvider,
  resolveTarget,
  validateCreateImage,
} from '../../../providers/index.js';
import type { ImageInfo, TargetName } from '../../../providers/types.js';
import { addBuildFlags, resolveBuildConfig } from '../build-flags.js';
import { IMAGE_CLOUD_FLAGS, warnCloudOnlyFlags } from '../cloud-only-flags.js';
import type { CliContext } from '../context.js';
import { nanosDirOf } from '../nanos-dir.js';
import { resolvePackageBuild } from '../package-build.js';
import { addPkgFlags } from './pkg-shared.js';
import { formatTable } from '../table.js';
import { formatTime } from './instance-format.js';
import {
  addTargetFlags,
  applyCloudFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

type CreateFlags = Record<string, unknown> & {
  imagename?: string;
  force?: boolean;
  target?: string;
  package?: string;
  local?: boolean;
  upload?: string;
};

const REBOOT_HELP = `
RebootOnExit: with RebootOnExit true (--reboot-on-exit), Nanos reboots only
after a non-zero exit; exit(0) stops the instance. --reboot-on-exit always
(RebootOnExit "always") reboots after any exit. Local instances of such an
image keep running across app restarts until \`skiff instance stop\`.`;

/**
 * The name asked for, else one made from the package or program name,
 * fitted to the target's rule (GCE: lowercase letters, digits, dashes):
 * the user never typed it, so it must not fail their command.
 */
function imageNameOf(
  opts: CreateFlags,
  config: ResolvedConfig,
  target: TargetName,
  packageName?: string,
): string {
  const asked =
    opts.imagename ?? config.run.imageName ?? config.cloud.imageName;
  if (asked !== undefined) return asked;
  const from = packageName ?? basename(config.programImagePath);
  return derivedImageName(from, target === 'gcp' ? 'gcp' : 'local');
}

function formatImageTable(images: ImageInfo[]): string {
  return formatTable(
    ['NAME', 'STATUS', 'SIZE', 'CREATED', 'ID'],
    images.map((i) => [
      i.name,
      i.status,
      i.sizeBytes !== undefined ? formatBytes(i.sizeBytes) : '-',
      formatTime(i.createdAt),
      i.id ?? '-',
    ]),
  );
}

function registerCreate(image: Command, ctx: CliContext): void {
  const cmd = image
    .command('create')
    .description('build an image and store it on the target under a name')
    .argument('[program]', 'the ELF to run (or Program in config.json)')
    .option(
      '-i, --imagename <name>',
      'the image name (default: the program or package name)',
    )
    .option('--package <pkg>', 'build from a local package (NAME[:VERSION])')
    .option('--force', 'replace an image of the same name')
    .option('-g, --projectid <id>', 'gcp: CloudConfig.ProjectID')
    .option('-z, --zone <zone>', 'gcp, aws: CloudConfig.Zone')
    .option(
      '--bucketname <bucket>',
      'gcp, aws: CloudConfig.BucketName (the upload bucket)',
    )
    .option('--create-bucket', 'gcp: create CloudConfig.BucketName if missing')
    .option('--keep-upload', 'gcp, aws: keep the uploaded object in the bucket')
    .option(
      '--upload <route>',
      'aws: ebs (default, EBS direct APIs) or s3 (ImportSnapshot from BucketName)',
    )
    .addHelpText('after', REBOOT_HELP);
  addBuildFlags(cmd);
  addPkgFlags(cmd);
  cmd.action(async (programArg: string | undefined, opts: CreateFlags) => {
    const { logger, paths, io } = ctx;
    if (opts.package && programArg !== undefined) {
      throw new UserError(
        'USAGE',
        `image create --package ${opts.package} takes no program ` +
          `(got ${programArg}): the package's own Program runs`,
        {
          hint:
            'drop the program, and add your files with Dirs or Files in ' +
            '-c config.json and arguments with -a; or build from the ' +
            'program alone without --package',
        },
      );
    }
    const fromPackage = opts.package
      ? await resolvePackageBuild(ctx, opts.package, opts)
      : undefined;
    const config = applyCloudFlags(
      fromPackage?.config ?? (await resolveBuildConfig(ctx, opts, programArg)),
      opts,
    );
    const target = resolveTarget(opts.target, config);
    const name = imageNameOf(opts, config, target, fromPackage?.name);
    // Cloud names follow the cloud's own rule (validateCreateImage).
    if (target === 'qemu') validateName('image', name);
    // Only flags the user gave: commander leaves the others undefined.
    const options = {
      createBucket: opts.createBucket === true || undefined,
      keepUpload: opts.keepUpload === true || undefined,
      upload: opts.upload,
    };
    // What needs no network fails before any adapter or SDK is loaded.
    warnCloudOnlyFlags(ctx, target, opts, IMAGE_CLOUD_FLAGS);
    for (const warning of validateCreateImage(target, name, config, options)) {
      logger.warn(warning);
    }
    const provider = await createProvider(target, {
      logger,
      paths,
      env: io.env,
      signal: io.signal,
      config,
    });
    // A taken name, a broken key file, no region: before the build.
    await provider.checkCreateImage({ name, force: opts.force === true });

    // The built disk stays here during the upload: removed even after a
    // second Ctrl-C, and by the next create if a kill -9 left it.
    const workRoot = join(paths.dataDir, 'tmp');
    await mkdir(workRoot, { recursive: true, mode: 0o700 });
    await removeStaleTemps(workRoot);
    const work = await createOwnedTempDir(workRoot, 'build');
    try {
      const built = await buildImage({
        config,
        packageRoot: fromPackage?.packageRoot,
        outPath: join(work.path, 'disk.img'),
        localRun: target === 'qemu',
        nanosDir: nanosDirOf(opts, ctx),
        paths,
        logger,
        signal: io.signal,
      });
      logger.info(`built ${name} (${formatBytes(built.sizeBytes)})`);
      const info = await provider.createImage({
        name,
        image: built,
        config,
        force: opts.force === true,
        options,
        builtFrom: fromPackage
          ? { package: `${fromPackage.name}:${fromPackage.version}` }
          : programArg !== undefined
            ? { program: resolve(io.cwd, programArg) }
            : undefined,
      });
      if (ctx.json) logger.result(JSON.stringify(info, null, 2));
      else logger.result(formatImageTable([info]));
    } finally {
      await work.remove();
    }
  });
}

function registerList(image: Command, ctx: CliContext): void {
  const cmd = image
    .command('list')
    .description('list the images stored on the target');
  addTargetFlags(cmd);
  cmd.action(async (opts: TargetFlags) => {
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    const images = await provider.listImages();
    if (ctx.json) ctx.logger.result(JSON.stringify(images, null, 2));
    else ctx.logger.result(formatImageTable(images));
  });
}

/** Adds create and list to the `image` group. */
export function registerImageManage(image: Command, ctx: CliContext): void {
  registerCreate(image, ctx);
  registerList(image, ctx);
}
