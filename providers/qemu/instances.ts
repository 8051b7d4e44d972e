// The QEMU adapter's instances: each a folder of state, its own copy of
// the image's disk, and a background QEMU under a supervisor.
import {
  describeDiskError,
  describeFsError,
  UserError,
} from '../../src/errors.js';
import { runSize } from '../../src/config/resolve-run.js';
import { checkForwardCount } from '../../src/qemu/ports.js';
import { resolvePublishAddress } from '../../src/qemu/publish-address.js';
import { StateFileError } from '../../src/state/atomic.js';
import { imageDiskPath } from '../../src/state/images.js';
import {
  createInstanceDir,
  instanceExists,
  instanceFiles,
  listInstanceNames,
  readInstanceRecord,
  removeInstanceDir,
  type InstanceFiles,
  type InstanceRecord,
} from '../../src/state/instances.js';
import { LockTargetGoneError, withLock } from '../../src/state/lock.js';
import { readSerialLog } from '../../src/state/serial-log.js';
import { copySparse } from '../../src/state/sparse-copy.js';
import { listNames, validateName } from '../../src/state/names.js';
import type {
  CreateInstanceOptions,
  InstanceInfo,
  LogChunk,
  StartOutcome,
} from '../types.js';
import { runningPorts } from './busy-ports.js';
import type { QemuContext } from './context.js';
import { requireImage } from './images.js';
import { launchInstance } from './launch.js';
import { describeInstance, readRunState } from './status.js';
import { stopRun } from './stop.js';

function notFound(name: string, names: string[]): UserError {
  return new UserError(
    'INSTANCE_NOT_FOUND',
    `no local instance named "${name}"; instances: ${listNames(names)}`,
    { hint: 'see `skiff instance list`' },
  );
}

/** The instance's record; a broken instance.json says how to remove it. */
async function readRecord(
  ctx: QemuContext,
  name: string,
): Promise<InstanceRecord | undefined> {
  try {
    return await readInstanceRecord(ctx.paths, name);
  } catch (err) {
    if (!(err instanceof StateFileError)) throw err;
    throw new UserError(err.code, `instance ${name}: ${err.message}`, {
      cause: err,
      hint: `\`skiff instance delete ${name}\` removes it`,
    });
  }
}

async function requireRecord(
  ctx: QemuContext,
  name: string,
): Promise<InstanceRecord> {
  const record = await readRecord(ctx, name);
  if (record) return record;
  throw notFound(name, await listInstanceNames(ctx.paths));
}

/**
 * Runs `fn` holding the lock of the instance folder `name`, whatever
 * state its files are in; a folder that vanished is not found.
 */
async function withInstanceDir<T>(
  ctx: QemuContext,
  name: string,
  fn: (files: InstanceFiles) => Promise<T>,
): Promise<T> {
  validateName('instance', name);
  const files = instanceFiles(ctx.paths, name);
  try {
    return await withLock(files.lock, { what: `instance ${name}` }, () =>
      fn(files),
    );
  } catch (err) {
    if (err instanceof LockTargetGoneError) {
      throw notFound(name, await listInstanceNames(ctx.paths));
    }
    throw err;
  }
}

/** Runs `fn` holding the instance's lock; a vanished one is not found. */
async function withInstance<T>(
  ctx: QemuContext,
  name: string,
  fn: (record: InstanceRecord, files: InstanceFiles) => Promise<T>,
): Promise<T> {
  await requireRecord(ctx, name);
  return withInstanceDir(ctx, name, async (files) =>
    fn(await requireRecord(ctx, name), files),
  );
}

/** An instance whose state files do not parse: listed, not hidden. */
function brokenInfo(name: string, err: StateFileError): InstanceInfo {
  return {
    name,
    target: 'qemu',
    image: '-',
    state: 'unknown',
    ports: [],
    details: { error: err.message },
  };
}

export async function listInstanceInfos(
  ctx: QemuContext,
): Promise<InstanceInfo[]> {
  const names = await listInstanceNames(ctx.paths);
  const infos = await Promise.all(
    names.map(async (name) => {
      try {
        const record = await readInstanceRecord(ctx.paths, name);
        if (!record) return undefined;
        return await describeInstance(record, instanceFiles(ctx.paths, name));
      } catch (err) {
        if (!(err instanceof StateFileError)) throw err;
        ctx.logger.warn(
          `instance ${name} is broken: ${err.message}; ` +
            `\`skiff instance delete ${name}\` removes it`,
        );
        return brokenInfo(name, err);
      }
    }),
  );
  return infos.filter((i): i is InstanceInfo => i !== undefined);
}

export async function getInstance(
  ctx: QemuContext,
  name: string,
): Promise<InstanceInfo> {
  const record = await requireRecord(ctx, name);
  return describeInstance(record, instanceFiles(ctx.paths, name));
}

async function start(
  ctx: QemuContext,
  record: InstanceRecord,
  files: InstanceFiles,
  canRemapPorts: boolean,
): Promise<void> {
  await launchInstance(record, files, {
    canRemapPorts,
    qemuPath: await ctx.qemuPath(),
    nodePath: ctx.nodePath,
    paths: ctx.paths,
    logger: ctx.logger,
    busyPorts: runningPorts(await listInstanceInfos(ctx), record.name),
    startTimeoutMs: ctx.startTimeoutMs,
    serialPartBytes: ctx.serialPartBytes,
  });
}

function option(
  opts: CreateInstanceOptions,
  key: string,
): string | boolean | undefined {
  return opts.options?.[key];
}

/**
 * Copies the image's disk for the instance (a reflink where the file
 * system has them, else a copy that keeps its holes) and starts it. If it cannot start, nothing is left.
 */
export async function createInstance(
  ctx: QemuContext,
  opts: CreateInstanceOptions,
): Promise<InstanceInfo> {
  validateName('instance', opts.name);
  const image = await requireImage(ctx.paths, opts.imageName);
  if (await readRecord(ctx, opts.name)) {
    throw instanceExists(opts.name);
  }
  checkForwardCount(opts.ports.length > 0 ? opts.ports : image.ports);
  await ctx.qemuPath();
  const accel = option(opts, 'accel');
  const publish = option(opts, 'publishAddress');
  const record: InstanceRecord = {
    version: 1,
    name: opts.name,
    image: image.name,
    createdAt: new Date().toISOString(),
    ports: opts.ports.length > 0 ? opts.ports : image.ports,
    // -m/--smp or the instance's -c config, then the image's RunConfig.
    ...runSize(opts.config.run, image),
    accel:
      accel === 'kvm' || accel === 'tcg' || accel === 'auto'
        ? accel
        : opts.config.run.accel,
    rebootOnExit: image.rebootOnExit,
    uefi: image.uefi,
    publishAddress: resolvePublishAddress(
      typeof publish === 'string' ? publish : undefined,
    ),
    debugExit: image.debugExit ?? true,
  };

  const action = `creating instance ${opts.name}`;
  const dir = instanceFiles(ctx.paths, opts.name).dir;
  const files = await createInstanceDir(ctx.paths, record, async (tmp) => {
    await copySparse(imageDiskPath(ctx.paths, image.name), tmp.disk);
  }).catch((err: unknown) => {
    throw describeDiskError(err, action, dir);
  });
  try {
    await withLock(files.lock, { what: `instance ${opts.name}` }, async () => {
      if (!(await readRunState(files)).running) {
        await start(ctx, record, files, true);
      }
    });
  } catch (err) {
    if (!(err instanceof LockTargetGoneError)) {
      await removeInstanceDir(ctx.paths, opts.name).catch(() => undefined);
    }
    throw describeDiskError(err, action, dir);
  }
  return describeInstance(record, files);
}

/**
 * Starts it unless it runs: the check and the start happen under the
 * instance's lock, so of several starts at once exactly one starts it.
 */
export async function startInstance(
  ctx: QemuContext,
  name: string,
): Promise<StartOutcome> {
  return withInstance(ctx, name, async (record, files) => {
    if ((await readRunState(files)).running) return 'already-running';
    await start(ctx, record, files, false);
    return 'started';
  });
}

export async function stopInstance(
  ctx: QemuContext,
  name: string,
): Promise<void> {
  await withInstance(ctx, name, async (_record, files) => {
    const state = await readRunState(files);
    if (!state.running || !state.run) {
      // The CLI says so; this is a stop that lost a race with the exit.
      ctx.logger.debug(`instance ${name} was not running`);
      return;
    }
    const { recordError } = await stopRun(files, state.run, {
      logger: ctx.logger,
      graceMs: ctx.stopGraceMs,
    });
    // Stopped all the same: the VM needs no disk space to power off.
    if (recordError !== undefined) {
      throw describeFsError(
        recordError,
        `instance ${name} is stopped, but recording the stop failed`,
        files.dir,
      );
    }
  });
}

/**
 * Stops it at once if running (its disk goes too), then removes it. An
 * instance whose files are broken is removed all the same.
 */
export async function deleteInstance(
  ctx: QemuContext,
  name: string,
): Promise<void> {
  const names = await listInstanceNames(ctx.paths);
  if (!names.includes(name)) throw notFound(name, names);
  await withInstanceDir(ctx, name, async (files) => {
    const state = await readRunState(files).catch((err: unknown) => {
      if (!(err instanceof StateFileError)) throw err;
      ctx.logger.warn(`${err.message}: cannot tell whether QEMU runs`);
      return undefined;
    });
    if (state?.running && state.run) {
      await stopRun(files, state.run, { logger: ctx.logger, graceMs: 0 });
    }
    await removeInstanceDir(ctx.paths, name);
  });
}

/**
 * The console from `offset`: across rotations of the capped serial.log,
 * with `dropped` set when output was lost (src/state/serial-log.ts).
 */
export async function readLogs(
  ctx: QemuContext,
  name: string,
  offset: number,
): Promise<LogChunk> {
  await requireRecord(ctx, name);
  return readSerialLog(instanceFiles(ctx.paths, name).serialLog, offset);
}
