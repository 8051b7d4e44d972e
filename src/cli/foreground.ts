// Build an image and boot it in the foreground: shared by `run` and
// `pkg load`. Serial output streams live; the exit code is the program's.
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import { buildImage } from '../build/pipeline.js';
import { createQemuProvider } from '../../providers/qemu/index.js';
import {
  checkPortsFree,
  runningPorts,
} from '../../providers/qemu/busy-ports.js';
import type { PortForward, ResolvedConfig } from '../config/types.js';
import { UserError } from '../errors.js';
import type { Logger, Writable } from '../log.js';
import { findQemu } from '../qemu/find-qemu.js';
import type { ForegroundResult } from '../qemu/foreground.js';
import { runImageForeground } from '../qemu/local-run.js';
import { resolvePublishAddress } from '../qemu/publish-address.js';
import type { TargetFlagSpec } from './build-flags.js';
import type { CliContext } from './context.js';
import { interruptExitCode, isBrokenPipe } from './interrupt.js';
import { nanosDirOf } from './nanos-dir.js';
import { createRunDir, keepRunDir, removeRunDir } from './run-dir.js';

export type ForegroundFlags = Record<string, unknown> & {
  target?: string;
  publishAddr?: string;
  timeout?: string;
  keepImage?: boolean;
};

export interface ForegroundBuild {
  config: ResolvedConfig;
  /** A package's sysroot, copied whole into the image first. */
  packageRoot?: string;
  /** File name of the image in this run's own folder under stateDir/run. */
  imageFileName: string;
}

/** -t of run and pkg load, which boot here whatever the target. */
export const LOCAL_TARGETS: TargetFlagSpec = {
  help:
    'qemu only: this boots locally (for gcp or aws: image create, then ' +
    'instance create)',
  accepted: 'qemu',
};

/** Adds --publish-addr, --timeout and --keep-image. */
export function addForegroundFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--publish-addr <addr>',
        'IPv4 address forwarded ports listen on (default: all)',
      ),
    )
    .addOption(new Option('--timeout <seconds>', 'stop the VM after this long'))
    .addOption(
      new Option(
        '--keep-image',
        'keep the image after the VM exits (its path is printed)',
      ),
    );
}

/**
 * `run` and `pkg load` boot here, under QEMU: a cloud `-t` would be
 * ignored, so it is refused, pointing at the commands that deploy.
 * CloudConfig.Platform is not: a config shared with a deploy still runs.
 */
function refuseCloudTarget(opts: ForegroundFlags): void {
  const target = opts.target;
  if (target === undefined || target === 'qemu' || target === 'onprem') return;
  throw new UserError(
    'TARGET_NOT_LOCAL',
    `-t ${target}: run and pkg load boot locally under QEMU, never on ` +
      target,
    {
      hint:
        `drop -t ${target}; to run on ${target}: skiff image create ` +
        `-t ${target} --imagename NAME ..., then skiff instance create ` +
        `-t ${target} NAME`,
    },
  );
}

function parseTimeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError('FLAG_INVALID', `--timeout ${text}: not seconds`, {
      hint: 'give a positive number of seconds, e.g. --timeout 60',
    });
  }
  if (seconds * 1000 > MAX_TIMER_MS) {
    throw new UserError('FLAG_INVALID', `--timeout ${text}: too long`, {
      hint:
        `give at most ${Math.floor(MAX_TIMER_MS / 1000)} seconds (24 ` +
        'days), or leave --timeout out to run until the program exits',
    });
  }
  return seconds * 1000;
}

/** Node's timers fire at once past 2^31 - 1 ms (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `logger` with its stream (the guest console) sent to `out`. */
function consoleTo(logger: Logger, out: Writable): Logger {
  return {
    error: (m) => logger.error(m),
    warn: (m) => logger.warn(m),
    info: (m) => logger.info(m),
    debug: (m) => logger.debug(m),
    result: (t) => logger.result(t),
    stream: (chunk) => void out.write(chunk),
    progress: (label, done, total) => logger.progress(label, done, total),
    addSecret: (v) => logger.addSecret(v),
  };
}

/**
 * A port that a running local instance forwards is named with the
 * instance, as `instance create` does; any other taken port as in use.
 */
async function checkRunPorts(
  ctx: CliContext,
  ports: PortForward[],
  publishAddress: string | undefined,
): Promise<void> {
  const local = () =>
    createQemuProvider({
      logger: ctx.logger,
      paths: ctx.paths,
      env: ctx.io.env,
      signal: ctx.io.signal,
    }).listInstances();
  const busy = ports.length > 0 ? runningPorts(await local()) : [];
  await checkPortsFree(ports, publishAddress, busy);
}

/** Builds, boots, waits; sets ctx.exitCode to the program's exit code. */
export async function buildAndBoot(
  ctx: CliContext,
  opts: ForegroundFlags,
  build: ForegroundBuild,
): Promise<void> {
  refuseCloudTarget(opts);
  const { paths, io } = ctx;
  // With --json stdout holds one document: the console goes to stderr.
  const logger = ctx.json ? consoleTo(ctx.logger, io.stderr) : ctx.logger;
  const timeoutMs = parseTimeoutMs(opts.timeout);
  const publishAddress = resolvePublishAddress(opts.publishAddr);
  const qemuPath = await findQemu(io.env.PATH);
  await checkRunPorts(ctx, build.config.run.ports, publishAddress);

  const runDir = await createRunDir(paths.stateDir);
  let result: ForegroundResult;
  // Set once there is an image to keep (--keep-image).
  let imagePath: string | undefined;
  try {
    let image = await buildImage({
      config: build.config,
      packageRoot: build.packageRoot,
      outPath: join(runDir, build.imageFileName),
      localRun: true,
      nanosDir: nanosDirOf(opts, ctx),
      paths,
      logger,
      signal: io.signal,
    });
    logger.debug(`image: ${image.path} (${image.sizeBytes} bytes)`);
    if (opts.keepImage) {
      const kept = await keepRunDir(runDir);
      image = { ...image, path: join(kept, basename(image.path)) };
      imagePath = image.path;
      logger.info(`image: ${image.path} (kept)`);
    }

    result = await runImageForeground({
      qemuPath,
      image,
      config: build.config,
      paths,
      logger,
      signal: io.signal,
      publishAddress,
      timeoutMs,
    });
  } finally {
    if (imagePath === undefined) await removeRunDir(runDir);
  }
  if (result.kind === 'timeout') {
    logger.warn(`stopped the VM after --timeout ${opts.timeout}s`);
  } else if (result.kind === 'interrupted' && !isBrokenPipe(io.signal)) {
    logger.info('stopped');
  }
  ctx.exitCode =
    result.kind === 'interrupted'
      ? interruptExitCode(io.signal)
      : result.exitCode;
  if (ctx.json) {
    const doc = { exitCode: ctx.exitCode, exitKind: result.kind, imagePath };
    ctx.logger.result(JSON.stringify(doc));
  }
}
