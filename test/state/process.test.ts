import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { identifyProcess, isProcessAlive } from '../../src/state/process.js';

describe('process identity', () => {
  it('sees this process as alive with its start time', async () => {
    const me = await identifyProcess(process.pid);
    expect(me.startTime).toMatch(/^\d+$/);
    expect(await isProcessAlive(me)).toBe(true);
  });

  it('does not mistake a reused pid (other start time) for the process', async () => {
    const me = await identifyProcess(process.pid);
    const other = { pid: me.pid, startTime: String(Number(me.startTime) + 1) };
    expect(await isProcessAlive(other)).toBe(false);
  });

  it('reports an exited child as dead', async () => {
    const child = spawn('sleep', ['30']);
    const id = await identifyProcess(child.pid!);
    expect(await isProcessAlive(id)).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(await isProcessAlive(id)).toBe(false);
  });

  it('rejects nonsense pids', async () => {
    expect(await isProcessAlive({ pid: 0 })).toBe(false);
    expect(await isProcessAlive({ pid: -5 })).toBe(false);
  });
});
