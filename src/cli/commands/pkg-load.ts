// `skiff pkg load PKG -c config.json`: the package's runtime plus the
// user's app (Dirs, Files, Args, Env from config.json), built and booted
// under QEMU in the foreground; skiff exits with the program's code.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { buildImage } from '../../build/pipeline.js';
import { applyFlags } from '../../config/flags.js';
import { readConfigFile } from '../../config/read.js';
import { resolveConfig } from '../../config/resolve.js';
import { UserError } from '../../errors.js';
import { preparePackage } from '../../pkg/load.js';
import { mergePackageConfig } from '../../pkg/merge-config.js';
import { findQemu } from '../../qemu/find-qemu.js';
import { runImageForeground } from '../../qemu/local-run.js';
import { checkHostPortsFree } from '../../qemu/ports.js';
import { addBuildFlags, buildFlagValues } from '../build-flags.js';
import type { CliContext } from '../context.js';
import { nanosDirOf } from '../nanos-dir.js';
import { addPkgFlags, storeOf, type PkgFlags } from './pkg-shared.js';

type LoadFlags = Record<string, unknown> &
  PkgFlags & { publishAddr?: string; timeout?: string };

function timeoutMsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError('FLAG_INVALID', `--timeout ${text}: not seconds`, {
      hint: 'give a positive number of seconds, e.g. --timeout 60',
    });
  }
  return seconds * 1000;
}

export function registerPkgLoad(pkg: Command, ctx: CliContext): void {
  const cmd = pkg
    .command('load')
    .description('boot a package with your app (config.json) under QEMU')
    .argument('<package>', 'NAME, NAME:VERSION or NAME_VERSION')
    .addOption(
      new Option(
        '--publish-addr <addr>',
        'host address forwarded ports listen on (default: all)',
      ),
    )
    .addOption(
      new Option('--timeout <seconds>', 'stop the VM after this long'),
    );
  addBuildFlags(cmd);
  addPkgFlags(cmd);
  cmd.action(async (spec: string, opts: LoadFlags) => {
    const { logger, paths, io } = ctx;
    const timeoutMs = timeoutMsOf(opts.timeout);
    const stored = await storeOf(ctx, opts).find(spec);
    const loadable = await preparePackage(stored);

    const flags = buildFlagValues(opts, io.cwd);
    const user = flags.configPath ? await readConfigFile(flags.configPath) : {};
    const merged = mergePackageConfig(
      loadable.manifest,
      applyFlags(user, flags),
      stored.dir,
    );
    for (const note of merged.notes) logger.warn(note);
    const config = await resolveConfig(merged.config, {
      baseDir: flags.configPath ? dirname(flags.configPath) : io.cwd,
      cwd: io.cwd,
      packageRoot: loadable.sysroot,
      env: io.env,
      source: flags.configPath ?? `package ${stored.dirName}`,
    });
    if (flags.nanosDir) config.nanosDir = flags.nanosDir;
    logger.debug(`argv ${JSON.stringify(config.args)}`);
    const qemuPath = await findQemu(io.env.PATH);
    await checkHostPortsFree(config.run.ports, opts.publishAddr || '0.0.0.0');

    const runDir = join(paths.stateDir, 'run');
    await mkdir(runDir, { recursive: true });
    const image = await buildImage({
      config,
      packageRoot: loadable.sysroot,
      outPath: join(runDir, `pkg-${stored.dirName.replace(/\//g, '-')}.img`),
      localRun: true,
      nanosDir: nanosDirOf(opts, ctx),
      paths,
      logger,
      signal: io.signal,
    });
    logger.debug(`image: ${image.path} (${image.sizeBytes} bytes)`);

    const result = await runImageForeground({
      qemuPath,
      image,
      config,
      paths,
      logger,
      signal: io.signal,
      publishAddress: opts.publishAddr,
      timeoutMs,
    });
    if (result.kind === 'timeout') {
      logger.warn(`stopped the VM after --timeout ${opts.timeout}s`);
    }
    ctx.exitCode = result.exitCode;
  });
}
