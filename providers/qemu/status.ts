// An instance's state from its files: the supervisor's run and exit
// records, checked against the live process table, so a QEMU that was
// killed (or a PID that was reused) is never reported as running.
import { decodeQemuExit } from '../../src/qemu/exit-status.js';
import {
  readExitRecord,
  readRunRecord,
  type ExitRecord,
  type InstanceFiles,
  type InstanceRecord,
  type RunRecord,
} from '../../src/state/instances.js';
import { isLockHeld } from '../../src/state/lock.js';
import { isProcessAlive } from '../../src/state/process.js';
import { stat } from 'node:fs/promises';
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

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** How the run ended, for `instance list`: exit code or signal. */
async function describeExit(
  files: InstanceFiles,
  exit: ExitRecord,
): Promise<Pick<InstanceInfo, 'exitCode' | 'details'>> {
  if (exit.status === null) {
    return { details: { signal: exit.signal, exitedAt: exit.exitedAt } };
  }
  const consoleWritten = (await fileSize(files.serialLog)) > 0;
  const qemuComplained = (await fileSize(files.qemuLog)) > 0;
  const decoded = decodeQemuExit(
    exit.status,
    !consoleWritten && qemuComplained,
  );
  const details = {
    qemuStatus: exit.status,
    exitKind: decoded.kind,
    exitedAt: exit.exitedAt,
  };
  if (decoded.kind === 'qemu-error') return { details };
  return { exitCode: decoded.appExitCode, details };
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
    details: { cpus: record.cpus, memoryBytes: record.memoryBytes },
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
    const ended = await describeExit(files, state.exit);
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
