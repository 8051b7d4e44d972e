// A foreground QEMU dies with skiff: when the watcher's pipe from skiff
// closes (as the kernel closes it when skiff is killed, even by SIGKILL),
// the watcher ends QEMU. Status and signals pass through unchanged.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/state/process.js';
import { spawnWatched, WATCHER_SCRIPT } from '../../src/qemu/watched-spawn.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-watch-'));
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

async function fakeQemu(body: string): Promise<string> {
  const path = join(tmp, 'qemu');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await isProcessAlive({ pid }))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function pidFile(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const text = await readFile(join(tmp, 'pid'), 'utf8').catch(() => '');
    if (text.trim()) return Number(text);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the fake QEMU never started');
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.on('close', (code, signal) => r([code, signal])),
  );

describe('spawnWatched', () => {
  it('passes output and the exit status through', async () => {
    const qemu = await fakeQemu('echo "console $1"; exit 7');
    const { child } = spawnWatched(process.execPath, qemu, ['x']);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    expect(await exited(child)).toEqual([7, null]);
    expect(out).toBe('console x\n');
  });

  it('ends QEMU when the pipe from skiff closes', async () => {
    const qemu = await fakeQemu(`echo $$ > "${tmp}/pid"; exec sleep 60`);
    const { child } = spawnWatched(process.execPath, qemu, []);
    const pid = await pidFile();
    const done = exited(child);
    // What the kernel does to the pipe when skiff dies.
    child.stdin!.destroy();
    expect(await waitGone(pid, 5000)).toBe(true);
    expect(await done).toEqual([null, 'SIGTERM']);
  });

  it('ends QEMU when the parent process is SIGKILLed', async () => {
    const qemu = await fakeQemu(`echo $$ > "${tmp}/pid"; exec sleep 60`);
    // A parent that starts the watcher as spawnWatched does, then gets -9.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('child_process');
         const [script, ...rest] = process.argv.slice(1);
         spawn(process.execPath, ['-e', script, ...rest],
           { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
         setInterval(() => {}, 1000);`,
        WATCHER_SCRIPT,
        qemu,
      ],
      { stdio: 'ignore' },
    );
    const pid = await pidFile();
    parent.kill('SIGKILL');
    expect(await waitGone(pid, 5000)).toBe(true);
  });

  it('kills QEMU and the watcher together', async () => {
    const qemu = await fakeQemu(
      `trap "" TERM; echo $$ > "${tmp}/pid"; while :; do sleep 0.1; done`,
    );
    const watched = spawnWatched(process.execPath, qemu, []);
    const pid = await pidFile();
    const done = exited(watched.child);
    watched.killAll();
    expect(await done).toEqual([null, 'SIGKILL']);
    expect(await waitGone(pid, 3000)).toBe(true);
  });
});
