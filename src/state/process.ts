// Is a recorded process still the one we started? A PID alone is not
// enough: after the process dies the number can be handed to another one.
// Linux's /proc/<pid>/stat field 22 (start time in clock ticks since boot)
// tells the two apart.
import { readFile } from 'node:fs/promises';
import { errnoCode } from '../errors.js';

export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22; undefined where /proc does not exist. */
  startTime?: string;
}

interface ProcStat {
  state: string;
  startTime: string;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold ')'). */
function parseStat(text: string): ProcStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  // After ") " come field 3 (state) onwards; field 22 is index 19 here.
  const fields = text
    .slice(end + 2)
    .trim()
    .split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime) return undefined;
  return { state, startTime };
}

async function readStat(pid: number): Promise<ProcStat | undefined | null> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    // ENOENT: gone. Anything else (no /proc at all): unknown.
    return errnoCode(err) === 'ENOENT' ? null : undefined;
  }
}

/** The identity to record for a process we just started. */
export async function identifyProcess(pid: number): Promise<ProcessIdentity> {
  const stat = await readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : { pid };
}

function signalZero(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * True when the recorded process is alive and is the same process (same
 * start time). Zombies count as dead.
 */
export async function isProcessAlive(id: ProcessIdentity): Promise<boolean> {
  if (!Number.isInteger(id.pid) || id.pid <= 0) return false;
  const stat = await readStat(id.pid);
  if (stat === null) return false;
  if (stat === undefined) return signalZero(id.pid);
  if (stat.state === 'Z' || stat.state === 'X') return false;
  if (id.startTime !== undefined && stat.startTime !== id.startTime) {
    return false;
  }
  return true;
}
