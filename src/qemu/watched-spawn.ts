// Starts a foreground QEMU under a tiny watcher process, so that QEMU
// never outlives skiff: the watcher's stdin is a pipe from skiff, which
// the kernel closes however skiff ends (kill -9 included); on that EOF the
// watcher kills QEMU. Node cannot set PR_SET_PDEATHSIG, hence the watcher.
// The watcher leads its own process group (QEMU is in it), so one kill of
// the group ends both, and a terminal's Ctrl-C reaches only skiff, which
// stops the VM itself.
import { spawn, type ChildProcess } from 'node:child_process';

// Plain CommonJS, no dependencies: `node -e SCRIPT QEMU ARGS...`. It
// passes SIGTERM/SIGINT/SIGHUP on to QEMU and ends as QEMU ended: the
// same status, or the same signal.
export const WATCHER_SCRIPT = String.raw`
const { spawn } = require('child_process');
const [qemu, ...args] = process.argv.slice(1);
const child = spawn(qemu, args, { stdio: ['ignore', 'inherit', 'inherit'] });
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => { try { child.kill(sig); } catch {} });
}
process.stdin.on('data', () => {});
process.stdin.on('close', () => {
  try { child.kill('SIGTERM'); } catch {}
  setTimeout(() => { try { child.kill('SIGKILL'); } catch {} }, 2000).unref();
});
child.on('error', (err) => {
  process.stderr.write('cannot start ' + qemu + ': ' + err.message + '\n');
  process.exit(1);
});
child.on('exit', (status, signal) => {
  if (signal === null) process.exit(status);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.removeAllListeners(sig);
  }
  process.kill(process.pid, signal);
});
`;

export interface WatchedChild {
  child: ChildProcess;
  /** SIGKILLs the watcher and QEMU at once (their process group). */
  killAll(): void;
}

/**
 * Spawns `node` running the watcher, which spawns `qemuPath argv`. The
 * returned child's stdout and stderr are QEMU's; its exit status or
 * signal is QEMU's.
 */
export function spawnWatched(
  nodePath: string,
  qemuPath: string,
  argv: string[],
): WatchedChild {
  const child = spawn(nodePath, ['-e', WATCHER_SCRIPT, qemuPath, ...argv], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  // Never written: it exists to be closed when this process ends.
  child.stdin!.on('error', () => undefined);
  return {
    child,
    killAll: () => {
      if (child.pid === undefined) return;
      // The group outlives its leader while QEMU is in it, and its id is
      // not handed out again before the group is empty.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}
