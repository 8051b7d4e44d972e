// A minimal QMP client over QEMU's unix control socket: greeting,
// capabilities negotiation, then one command at a time. QEMU serves one
// client at a time, so each use connects, asks, and disconnects.
import { createConnection } from 'node:net';

export interface QmpSession {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class QmpError extends Error {}

/**
 * Connects and negotiates. Rejects after `timeoutMs` when QEMU does not
 * answer (not started yet, or busy with another client).
 */
export function connectQmp(
  socketPath: string,
  timeoutMs: number,
): Promise<QmpSession> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    const queue: Pending[] = [];
    let buffer = '';
    let greeted = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new QmpError(`no QMP answer on ${socketPath} in ${timeoutMs} ms`));
    }, timeoutMs);

    const session: QmpSession = {
      execute(command, args) {
        return new Promise((res, rej) => {
          queue.push({ resolve: res, reject: rej });
          const msg = args
            ? { execute: command, arguments: args }
            : {
                execute: command,
              };
          socket.write(`${JSON.stringify(msg)}\n`);
        });
      },
      close() {
        socket.destroy();
      },
    };

    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) onMessage(JSON.parse(line) as Record<string, unknown>);
      }
    });
    socket.on('error', (err) => fail(err));
    socket.on('close', () => fail(new QmpError('QMP connection closed')));

    function onMessage(msg: Record<string, unknown>): void {
      if (!greeted && 'QMP' in msg) {
        greeted = true;
        session.execute('qmp_capabilities').then(() => {
          clearTimeout(timer);
          resolve(session);
        }, fail);
        return;
      }
      if ('event' in msg) return;
      const pending = queue.shift();
      if (!pending) return;
      if ('error' in msg) {
        const e = msg.error as { desc?: string };
        pending.reject(new QmpError(e.desc ?? 'QMP error'));
      } else {
        pending.resolve(msg.return);
      }
    }

    function fail(err: Error): void {
      clearTimeout(timer);
      for (const p of queue.splice(0)) p.reject(err);
      reject(err);
    }
  });
}

/** Connects, runs one command, disconnects. */
export async function qmpCommand(
  socketPath: string,
  command: string,
  timeoutMs = 2000,
): Promise<unknown> {
  const session = await connectQmp(socketPath, timeoutMs);
  try {
    return await session.execute(command);
  } finally {
    session.close();
  }
}

/** QEMU's run state ("running", "paused", "shutdown"...), or undefined. */
export async function queryStatus(
  socketPath: string,
  timeoutMs = 1000,
): Promise<string | undefined> {
  try {
    const ret = (await qmpCommand(socketPath, 'query-status', timeoutMs)) as {
      status?: string;
    };
    return ret.status;
  } catch {
    return undefined;
  }
}
