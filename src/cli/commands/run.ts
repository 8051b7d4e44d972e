// `skiff run <program>`: build an image into the state dir and boot it in
// the foreground; skiff exits with the program's own exit code.
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import { buildImage } from '../../build/pipeline.js';
import { UserError } from '../../errors.js';
import { findQemu } from '../../qemu/find-qemu.js';
import { runImageForeground } from '../../qemu/local-run.js';
import { checkHostPortsFree } from '../../qemu/ports.js';
import { addBuildFlags, resolveBuildConfig } from '../build-flags.js';
import { nanosDirOf } from '../nanos-dir.js';
import type { CliContext } from '../context.js';

type RunFlags = Record<string, unknown> & {
  publishAddr?: string;
  timeout?: string;
};

function parseTimeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError('FLAG_INVALID', `--timeout ${text}: not seconds`, {
      hint: 'give a positive number of seconds, e.g. --timeout 60',
    });
  }
  return seconds * 1000;
}

export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run')
    .description('build an image and boot it under QEMU in the foreground')
    .argument('[program]', 'the ELF to run (or Program in config.json)')
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
  cmd.action(async (programArg: string | undefined, opts: RunFlags) => {
    const { logger, paths, io } = ctx;
    const timeoutMs = parseTimeoutMs(opts.timeout);
    const config = await resolveBuildConfig(ctx, opts, programArg);
    const qemuPath = await findQemu(io.env.PATH);
    await checkHostPortsFree(config.run.ports, opts.publishAddr || '0.0.0.0');

    const runDir = join(paths.stateDir, 'run');
    await mkdir(runDir, { recursive: true });
    const name = basename(config.programImagePath) || 'program';
    const image = await buildImage({
      config,
      outPath: join(runDir, `${name}.img`),
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
    } else if (result.kind === 'interrupted') {
      logger.info('stopped');
    }
    ctx.exitCode = result.exitCode;
  });
}
