// Starts an instance's QEMU in the background under its supervisor and
// waits until QEMU answers on QMP (devices and port forwards set up), or
// reports why it could not start.
import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { EnvironmentError, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { SkiffPaths } from '../../src/paths.js';
import { chooseAccel } from '../../src/qemu/accel.js';
import { buildQemuArgv } from '../../src/qemu/argv.js';
import { findOvmf } from '../../src/qemu/firmware.js';
import { guestMemoryHint } from '../../src/qemu/memory-hint.js';
import { probeKvm } from '../../src/qemu/kvm.js';
import { remapHint } from '../../src/qemu/ports.js';
import type {
  InstanceFiles,
  InstanceRecord,
  RunRecord,
} from '../../src/state/instances.js';
import { readExitRecord, readRunRecord } from '../../src/state/instances.js';
import { removeSerialLog } from '../../src/state/serial-log.js';
import { checkPortsFree, type BusyPorts } from './busy-ports.js';
import { queryStatus } from './qmp.js';
import { stopRun } from './stop.js';
import { spawnSupervisor } from './supervisor.js';
import { pollUntil } from './wait.js';

export interface LaunchContext {
  qemuPath: string;
  /** The node binary that runs the supervisor. */
  nodePath: string;
  paths: SkiffPaths;
  logger: Logger;
  /** Running instances' ports, to name a clash before touching sockets. */
  busyPorts: BusyPorts;
  startTimeoutMs: number;
  /** serial.log is rotated past this size (one older part kept). */
  serialPartBytes: number;
  /**
   * False for `instance start`, which has no -p or -m to change ports or
   * memory with, and keeps the instance's files (qemu.log) on failure;
   * `instance create` removes them, so its errors quote QEMU instead.
   */
  canRemapPorts?: boolean;
}

async function checkPorts(
  record: InstanceRecord,
  ctx: LaunchContext,
): Promise<void> {
  await checkPortsFree(
    record.ports,
    record.publishAddress,
    ctx.busyPorts,
    ctx.canRemapPorts,
  );
}

async function lastLines(path: string, count: number): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.trim().split('\n').slice(-count).join('\n');
  } catch {
    return '';
  }
}

/** Where to look next: qemu.log, unless create removes it on failure. */
function logHint(files: InstanceFiles, canRemap: boolean | undefined) {
  const verbose = 'run with -v for the QEMU command line';
  return canRemap === false ? `see ${files.qemuLog}; ${verbose}` : verbose;
}

async function startFailure(
  record: InstanceRecord,
  files: InstanceFiles,
  canRemap: boolean | undefined,
): Promise<Error> {
  const said = await lastLines(files.qemuLog, 5);
  if (/host ?forward/i.test(said)) {
    return new UserError(
      'PORT_IN_USE',
      `QEMU could not forward a host port: ${said.split('\n')[0]}`,
      { hint: remapHint('<guest>', canRemap) },
    );
  }
  const memory = guestMemoryHint(
    said,
    record.memoryBytes,
    canRemap === false
      ? 'delete the instance and create it again with a lower -m'
      : 'lower -m or RunConfig.Memory',
  );
  return new EnvironmentError(
    'QEMU_FAILED',
    `QEMU exited during start: ${said || 'no output'}`,
    { hint: memory ?? logHint(files, canRemap) },
  );
}

/** Everything QEMU needs for this record, as an argv. */
async function qemuArgv(
  record: InstanceRecord,
  files: InstanceFiles,
  ctx: LaunchContext,
): Promise<string[]> {
  const accel = await chooseAccel(
    record.accel,
    () => probeKvm({ qemuPath: ctx.qemuPath, paths: ctx.paths }),
    ctx.logger,
  );
  return buildQemuArgv({
    imagePath: files.disk,
    memoryBytes: record.memoryBytes,
    cpus: record.cpus,
    accel,
    ports: record.ports,
    publishAddress: record.publishAddress,
    // To the supervisor, which writes it to the capped serial.log.
    serial: { kind: 'stdio' },
    qmpSocket: files.qmpSocket,
    // Nanos asks for a reset to reboot; -no-reboot would turn it into exit.
    rebootOnExit: record.rebootOnExit !== false,
    uefiFirmwarePath: record.uefi ? await findOvmf() : undefined,
  });
}

/**
 * Starts the instance (the caller holds its lock and knows it is not
 * running). Resolves with the run once QEMU answers on QMP.
 */
export async function launchInstance(
  record: InstanceRecord,
  files: InstanceFiles,
  ctx: LaunchContext,
): Promise<RunRecord> {
  await checkPorts(record, ctx);
  const argv = await qemuArgv(record, files, ctx);
  ctx.logger.debug(`qemu: ${[ctx.qemuPath, ...argv].join(' ')}`);

  await Promise.all([
    ...[files.run, files.exit, files.stop, files.qmpSocket].map((f) =>
      rm(f, { force: true }),
    ),
    // Each start begins a new console log.
    removeSerialLog(files.serialLog),
  ]);
  await writeFile(files.qemuLog, '', { mode: 0o600 });
  const runId = randomUUID();
  const supervisorPid = await spawnSupervisor(ctx.nodePath, {
    runId,
    qemuPath: ctx.qemuPath,
    argv,
    qemuLog: files.qemuLog,
    runFile: files.run,
    exitFile: files.exit,
    serialLog: files.serialLog,
    serialPartBytes: ctx.serialPartBytes,
  });

  const outcome = await pollUntil(async () => {
    const exit = await readExitRecord(files);
    if (exit?.runId === runId) return { failed: true as const };
    const run = await readRunRecord(files);
    if (run?.runId !== runId) return undefined;
    const status = await queryStatus(files.qmpSocket, 500);
    return status ? { failed: false as const, run } : undefined;
  }, ctx.startTimeoutMs);

  if (outcome && !outcome.failed) return outcome.run;
  if (outcome?.failed) {
    throw await startFailure(record, files, ctx.canRemapPorts);
  }
  const run = await readRunRecord(files);
  if (run?.runId === runId) {
    await stopRun(files, run, { logger: ctx.logger, graceMs: 0 });
  } else {
    killGroup(supervisorPid);
  }
  const said = await lastLines(files.qemuLog, 5);
  throw new EnvironmentError(
    'QEMU_START_TIMEOUT',
    `QEMU did not come up within ${ctx.startTimeoutMs / 1000} s` +
      (said ? `; its last output: ${said}` : ''),
    {
      hint:
        `${logHint(files, ctx.canRemapPorts)}; with KVM problems try ` +
        '--accel tcg',
    },
  );
}

/** The supervisor leads its own process group; QEMU is in it too. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
