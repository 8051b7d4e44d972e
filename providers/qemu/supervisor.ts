// The tiny detached Node process that owns a background QEMU: it starts
// QEMU, records its pid and start time, writes its serial console (QEMU's
// stdout) to the capped serial.log (src/state/serial-log.ts), waits for
// it, and records how it ended, so the app's exit code survives the
// command that started it. Kept as source text run with `node -e`, so it
// works the same from the TypeScript sources and from the compiled CLI.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface SupervisorJob {
  runId: string;
  qemuPath: string;
  argv: string[];
  /** Where QEMU's own stdout/stderr (and the supervisor's) go. */
  qemuLog: string;
  /** run.json and exit.json of the instance. */
  runFile: string;
  exitFile: string;
  /** serial.log, and the size past which it is rotated. */
  serialLog: string;
  serialPartBytes: number;
}

// Plain CommonJS, no dependencies: it runs as `node -e SCRIPT JOB`.
const SCRIPT = String.raw`
const { spawn } = require('child_process');
const fs = require('fs');
const job = JSON.parse(process.argv[1]);
function now() { return new Date().toISOString(); }
function startTime(pid) {
  try {
    const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
}
function writeJson(path, value) {
  const tmp = path + '.' + process.pid + '.tmp';
  try {
    fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    fs.renameSync(tmp, path);
  } catch (err) {
    // The instance was deleted under us, or the disk is full: nothing to
    // record into, and a half-written temp file would only take space.
    try { fs.rmSync(tmp, { force: true }); } catch {}
  }
}
// The console: serial.log until it passes serialPartBytes, then renamed
// serial.log.<offset of its first byte>, the part before it dropped.
const serial = { fd: -1, base: 0, size: 0, part: null };
function openSerial() {
  try { serial.fd = fs.openSync(job.serialLog, 'w', 0o600); }
  catch { serial.fd = -1; }
}
function rotateSerial() {
  try { fs.closeSync(serial.fd); } catch {}
  const part = job.serialLog + '.' + serial.base;
  try { fs.renameSync(job.serialLog, part); } catch {}
  if (serial.part) { try { fs.rmSync(serial.part, { force: true }); } catch {} }
  serial.part = part;
  serial.base += serial.size;
  serial.size = 0;
  openSerial();
}
function writeSerial(chunk) {
  if (serial.size > 0 && serial.size + chunk.length > job.serialPartBytes) {
    rotateSerial();
  }
  let done = 0;
  try {
    while (serial.fd >= 0 && done < chunk.length) {
      done += fs.writeSync(serial.fd, chunk, done);
    }
  } catch {
    // Disk full, or the instance deleted under us: the output is lost.
  }
  serial.size += done;
}
openSerial();
const child = spawn(job.qemuPath, job.argv, {
  stdio: ['ignore', 'pipe', 'inherit'],
});
child.stdout.on('data', writeSerial);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => { try { child.kill(sig); } catch {} });
}
let ended = false;
child.on('spawn', () => {
  writeJson(job.runFile, {
    runId: job.runId,
    qemu: { pid: child.pid, startTime: startTime(child.pid) },
    supervisor: { pid: process.pid, startTime: startTime(process.pid) },
    startedAt: now(),
  });
});
child.on('error', (err) => {
  ended = true;
  process.stderr.write('skiff: cannot start QEMU: ' + err.message + '\n');
  writeJson(job.exitFile, {
    runId: job.runId, status: null, signal: null, exitedAt: now(),
    error: err.message,
  });
});
// 'close', not 'exit': the console's last bytes are written by then.
child.on('close', (status, signal) => {
  if (ended) return;
  writeJson(job.exitFile, {
    runId: job.runId, status, signal, exitedAt: now(),
  });
});
`;

/**
 * Starts the supervisor detached (own session, no terminal, stdio to the
 * QEMU log) and lets this process exit without waiting for it. Returns
 * the supervisor's pid.
 */
export async function spawnSupervisor(
  nodePath: string,
  job: SupervisorJob,
): Promise<number> {
  const log = await open(job.qemuLog, 'a', 0o600);
  try {
    const child = spawn(nodePath, ['-e', SCRIPT, JSON.stringify(job)], {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    child.unref();
    return child.pid!;
  } finally {
    await log.close();
  }
}
