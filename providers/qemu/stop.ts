// Stopping a background QEMU: ACPI power-off through QMP (the app gets to
// shut down), then QMP quit, then SIGKILL; and finally making sure the
// supervisor has recorded the exit and is gone.
import { errnoCode } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import {
  writeStopRecord,
  type InstanceFiles,
  type RunRecord,
  type StopRecord,
} from '../../src/state/instances.js';
import {
  isProcessAlive,
  type ProcessIdentity,
} from '../../src/state/process.js';
import { qmpCommand, queryStatus } from './qmp.js';
import { pollUntil } from './wait.js';

export interface StopOptions {
  logger: Logger;
  /** How long the guest gets after the power button (0: skip it). */
  graceMs: number;
}

async function waitDead(id: ProcessIdentity, ms: number): Promise<boolean> {
  const dead = await pollUntil(
    async () => ((await isProcessAlive(id)) ? undefined : true),
    ms,
  );
  return dead === true;
}

/** False when QEMU could not be asked (gone, or not answering). */
async function tryQmp(files: InstanceFiles, command: string): Promise<boolean> {
  try {
    await qmpCommand(files.qmpSocket, command, 2000);
    return true;
  } catch {
    // QEMU may be gone or wedged; the next step handles both.
    return false;
  }
}

async function sigkill(id: ProcessIdentity): Promise<void> {
  // Re-check right before the kill, so a reused pid is never signalled.
  if (!(await isProcessAlive(id))) return;
  try {
    process.kill(id.pid, 'SIGKILL');
  } catch (err) {
    if (errnoCode(err) !== 'ESRCH') throw err;
  }
}

/** How a stop went, beyond the VM being gone. */
export interface StopResult {
  /** Why stop.json could not be written (a full disk), when it could not. */
  recordError?: unknown;
}

/**
 * The power button's grace: none for a guest QEMU has paused (`io-error`
 * on a full host disk, or `paused`), which cannot answer it.
 */
async function graceFor(files: InstanceFiles, opts: StopOptions) {
  if (opts.graceMs === 0) return 0;
  const status = await queryStatus(files.qmpSocket, 1000);
  if (status === undefined || status === 'running') return opts.graceMs;
  opts.logger.debug(`the VM is ${status}: no power button`);
  return 0;
}

/**
 * Stops the run's QEMU and supervisor. Resolves once both are gone, even
 * when the stop could not be recorded (then `recordError` says why).
 */
export async function stopRun(
  files: InstanceFiles,
  run: RunRecord,
  opts: StopOptions,
): Promise<StopResult> {
  const { logger } = opts;
  const result: StopResult = {};
  // Recorded before each step, so `instance list` can tell a stop from a
  // crash and say how far the stop had to go.
  const step = async (method: StopRecord['method']) => {
    logger.debug(`qemu ${run.qemu.pid}: ${method}`);
    const at = new Date().toISOString();
    await writeStopRecord(files, { runId: run.runId, method, at }).catch(
      (err: unknown) => {
        result.recordError ??= err;
      },
    );
  };
  const graceEnd = Date.now() + (await graceFor(files, opts));
  let pressed = false;
  while (Date.now() < graceEnd && (await isProcessAlive(run.qemu))) {
    // Pressed again every 300 ms: a press while the guest is still in the
    // firmware or rebooting (RebootOnExit) is lost.
    if (!pressed) await step('powerdown');
    pressed = true;
    if (!(await tryQmp(files, 'system_powerdown'))) break;
    await waitDead(run.qemu, Math.min(300, graceEnd - Date.now()));
  }
  if (await isProcessAlive(run.qemu)) {
    await step('quit');
    if (await tryQmp(files, 'quit')) await waitDead(run.qemu, 3000);
  }
  if (await isProcessAlive(run.qemu)) {
    await step('kill');
    await sigkill(run.qemu);
    await waitDead(run.qemu, 3000);
  }
  // The supervisor writes exit.json and leaves on its own right after.
  if (!(await waitDead(run.supervisor, 3000))) {
    await sigkill(run.supervisor);
    await waitDead(run.supervisor, 3000);
  }
  return result;
}
