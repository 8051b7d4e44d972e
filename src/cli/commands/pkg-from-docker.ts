// `skiff pkg from-docker IMAGE`: a package from a registry image, a docker
// archive or an OCI layout, without a Docker daemon and without running
// the image.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parsePackageSpec } from '../../pkg/names.js';
import { packageFromDocker } from '../../pkg/from-docker.js';
import type { CliContext } from '../context.js';
import { archOf, type PkgFlags } from './pkg-shared.js';

interface FromDockerFlags extends PkgFlags {
  name?: string;
  executable?: string;
  file?: string[];
  addFile?: string[];
  copy?: boolean;
  arg?: string[];
  insecureRegistry?: boolean;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  value,
];

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: Record<string, string | undefined>) {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

export function registerPkgFromDocker(pkg: Command, ctx: CliContext): void {
  pkg
    .command('from-docker')
    .description(
      'make a package from an image: NAME[:TAG] (Docker Hub), ' +
        'HOST/REPO:TAG, docker-archive:FILE.tar or oci:DIR[:TAG]',
    )
    .argument('<image>', 'the image to read')
    .option(
      '-n, --name <name[:version]>',
      'package name (default: the repository; version: the tag)',
    )
    .option(
      '-f, --executable <name>',
      'the program: a name on the image PATH or an absolute path (default: ENTRYPOINT + CMD)',
    )
    .option(
      '--file <path>',
      'also copy this image path, a file or folder the program opens at run time (repeatable)',
      collect,
    )
    .option('--add-file <path>', 'the same as --file', collect)
    .option('--copy', 'copy the whole image file system')
    .option(
      '-a, --arg <value>',
      'append an argument to the package Args (repeatable)',
      collect,
    )
    .option(
      '--arch <arch>',
      'platform to take from a multi-platform image: amd64 or arm64 (default: this machine)',
    )
    .option(
      '--insecure-registry',
      'plain HTTP to the registry (one on this host falls back to it anyway)',
    )
    .action(async (image: string, opts: FromDockerFlags) => {
      const { logger, io } = ctx;
      const spec = opts.name ? parsePackageSpec(opts.name) : undefined;
      const result = await packageFromDocker({
        source: image,
        cwd: io.cwd,
        name: spec?.name,
        version: spec?.version,
        executable: opts.executable,
        copyAll: opts.copy ?? false,
        addFiles: [...(opts.file ?? []), ...(opts.addFile ?? [])],
        extraArgs: opts.arg ?? [],
        arch: archOf(opts),
        insecureRegistry: opts.insecureRegistry ?? false,
        dockerConfigPath: dockerConfigPath(io.env),
        paths: ctx.paths,
        logger,
        signal: io.signal,
      });
      const { pkg: p } = result;
      if (ctx.json) {
        logger.result(
          JSON.stringify(
            {
              name: p.name,
              version: p.version,
              arch: p.arch,
              dir: p.dir,
              layers: result.layers,
              libraries: result.libraries,
              manifest: result.manifest,
              defaultArgs: result.defaultArgs,
            },
            null,
            2,
          ),
        );
        return;
      }
      logger.info(
        `package ${p.name}:${p.version} (${p.arch}): ${result.manifest.Program}, ` +
          `${result.libraries} libraries`,
      );
      logger.result(p.dir);
    });
}
