// An instance's state from its files: the supervisor's run and exit
// records, checked against the live process table, so a QEMU that was
// killed (or a PID that was reused) is never reported as running.
import { constants } from 'node:os';
import { caughtSignal, decodeQemuExit } from '../../src/qemu/exit-status.js';
import {
  readExitRecord,
  readRunRecord,
  readStopRecord,
  type ExitRecord,
  type InstanceFiles,
  type InstanceRecord,
  type RunRecord,
} from '../../src/state/instances.js';
import { isLockHeld } from '../../src/state/lock.js';
import { isProcessAlive } from '../../src/state/process.js';
import { readFile } from 'node:fs/promises';
import { serialLogWritten } from '../../src/state/serial-log.js';
import type { InstanceInfo } from '../types.js';
import { queryStatus } from './qmp.js';
import { pollUntil } from './wait.js';

export interface RunState {
  running: boolean;
  run?: RunRecord;
  /** The end of the latest run, when it has ended and said so. */
  exit?: ExitRecord;
}

/** Whether the latest run's QEMU is alive. */
export async function readRunState(files: InstanceFiles): Promise<RunState> {
  const [run, exit] = await Promise.all([
    readRunRecord(files),
    readExitRecord(files),
  ]);
  if (!run) return { running: false, exit };
  const ended = exit?.runId === run.runId ? exit : undefined;
  if (ended) return { running: false, run, exit: ended };
  if (await isProcessAlive(run.qemu)) return { running: true, run };
  // QEMU just ended: its supervisor is about to record how.
  const late = await pollUntil(async () => {
    const e = await readExitRecord(files);
    if (e?.runId === run.runId) return e;
    return (await isProcessAlive(run.supervisor)) ? undefined : null;
  }, 2000);
  return { running: false, run, exit: late ?? undefined };
}

/** QEMU's own messages: a few lines at most, read whole. */
async function readQemuLog(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).slice(-16_384);
  } catch {
    return '';
  }
}

function signalName(signo: number): string {
  const found = Object.entries(constants.signals).find(([, n]) => n === signo);
  return found ? found[0] : `signal ${signo}`;
}

/**
 * How the run ended, for `instance list`: the app's exit code, or the
 * signal, or why there is none (QEMU failed, the guest reset, a stop that
 * had to quit QEMU).
 */
async function describeExit(
  record: InstanceRecord,
  files: InstanceFiles,
  exit: ExitRecord,
): Promise<Pick<InstanceInfo, 'exitCode' | 'details'>> {
  const stop = await readStopRecord(files);
  const stoppedBy = stop?.runId === exit.runId ? stop.method : undefined;
  if (exit.status === null) {
    // Killed by a signal QEMU could not catch (SIGKILL), or never started
    // (the supervisor's spawn failed: no signal either).
    const kind = exit.signal === null ? 'qemu-error' : 'signal';
    return {
      details: {
        signal: exit.signal ?? undefined,
        exitKind: kind === 'signal' && stoppedBy ? 'stopped' : kind,
        exitedAt: exit.exitedAt,
        stoppedBy,
      },
    };
  }
  const consoleWritten = await serialLogWritten(files.serialLog);
  const qemuOutput = await readQemuLog(files.qemuLog);
  const decoded = decodeQemuExit(exit.status, {
    qemuFailed: !consoleWritten && qemuOutput !== '',
    debugExit: record.debugExit !== false,
    qemuOutput,
  });
  let exitKind: string = decoded.kind;
  // QMP quit after the power button went unanswered: a stop, no crash.
  if (decoded.kind === 'reset' && stoppedBy) exitKind = 'stopped';
  const details: Record<string, unknown> = {
    qemuStatus: exit.status,
    exitKind,
    exitedAt: exit.exitedAt,
    stoppedBy,
  };
  if (decoded.kind === 'signal') {
    details.signal = signalName(caughtSignal(qemuOutput)!);
  }
  if (decoded.kind === 'app' || decoded.kind === 'poweroff') {
    return { exitCode: decoded.appExitCode, details };
  }
  return { details };
}

/** The InstanceInfo `instance list` shows. */
export async function describeInstance(
  record: InstanceRecord,
  files: InstanceFiles,
): Promise<InstanceInfo> {
  const state = await readRunState(files);
  const info: InstanceInfo = {
    name: record.name,
    target: 'qemu',
    image: record.image,
    state: state.running ? 'running' : 'stopped',
    ports: record.ports,
    createdAt: record.createdAt,
    details: {
      cpus: record.cpus,
      memoryBytes: record.memoryBytes,
      // Where the forwarded ports listen, when not every interface.
      ...(record.publishAddress
        ? { publishAddress: record.publishAddress }
        : {}),
    },
  };
  if (state.running && state.run) {
    info.pid = state.run.qemu.pid;
    // QEMU's own view ("running", "paused"...); busy QMP is not an error.
    const vmStatus = await queryStatus(files.qmpSocket, 500);
    info.details = {
      ...info.details,
      startedAt: state.run.startedAt,
      vmStatus: vmStatus ?? 'unknown',
    };
    return info;
  }
  if (state.exit) {
    const ended = await describeExit(record, files, state.exit);
    info.exitCode = ended.exitCode;
    info.details = { ...info.details, ...ended.details };
  } else if (!state.run && (await isLockHeld(files.lock))) {
    // Created, its first start under way in another command.
    info.state = 'pending';
  } else if (state.run) {
    // QEMU and its supervisor both died without a word (SIGKILL to both,
    // host reboot): stopped, with no exit code to show.
    info.details = { ...info.details, exitKind: 'lost' };
  }
  return info;
}
