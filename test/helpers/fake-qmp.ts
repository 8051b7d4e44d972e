// A stand-in for a background QEMU, for tests that boot nothing: a live
// process recorded as the instance's QEMU and supervisor, and a QMP socket
// that answers query-status with a chosen status; quit (and, while
// running, the power button) kills it.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { writeJsonAtomic } from '../../src/state/atomic.js';
import type { InstanceFiles } from '../../src/state/instances.js';
import { identifyProcess } from '../../src/state/process.js';

export interface FakeQemu {
  /** QMP commands received, in order (qmp_capabilities left out). */
  commands: string[];
  stop(): Promise<void>;
}

function serve(
  server: Server,
  status: string,
  stand: ChildProcess,
  commands: string[],
): void {
  server.on('connection', (socket) => {
    socket.write(`${JSON.stringify({ QMP: { version: {} } })}\n`);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const { execute } = JSON.parse(buffer.slice(0, nl)) as {
          execute: string;
        };
        buffer = buffer.slice(nl + 1);
        if (execute !== 'qmp_capabilities') commands.push(execute);
        const running = status === 'running';
        const ret = execute === 'query-status' ? { status, running } : {};
        socket.write(`${JSON.stringify({ return: ret })}\n`);
        // A running guest powers off at the button; a paused one cannot.
        const powerOff = execute === 'system_powerdown' && running;
        if (execute === 'quit' || powerOff) stand.kill('SIGKILL');
      }
    });
    socket.on('error', () => undefined);
  });
}

/** Starts the stand-in for `files`' instance, its VM in `status`. */
export async function startFakeQemu(
  files: InstanceFiles,
  status: string,
): Promise<FakeQemu> {
  const stand = spawn('sleep', ['60'], { stdio: 'ignore' });
  const me = await identifyProcess(stand.pid!);
  await writeJsonAtomic(files.run, {
    runId: 'r1',
    qemu: me,
    supervisor: me,
    startedAt: '2026-01-01T00:00:01.000Z',
  });
  const commands: string[] = [];
  const server = createServer();
  serve(server, status, stand, commands);
  await new Promise<void>((resolve) => server.listen(files.qmpSocket, resolve));
  return {
    commands,
    async stop() {
      stand.kill('SIGKILL');
      await new Promise((resolve) => server.close(resolve));
      await rm(files.qmpSocket, { force: true });
    },
  };
}
