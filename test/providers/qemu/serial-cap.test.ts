// The supervisor caps an instance's console: a chatty "QEMU" (a node
// script writing numbered lines to its stdout, as QEMU writes the serial
// console) leaves at most two parts on disk, the tail of its output, and
// a reader following the log meanwhile sees every byte or is told that
// some were dropped.
import { access, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSupervisor } from '../../../providers/qemu/supervisor.js';
import { readSerialLog } from '../../../src/state/serial-log.js';

const PART = 32 * 1024;
const LINES = 3000;

/** 3000 lines of 100 bytes, ten every 5 ms: about 1.5 s, ~300 KB. */
const CHATTY = `
let n = 0;
const line = (i) => ('line ' + String(i).padStart(5, '0') + ' ').padEnd(99, 'x') + '\\n';
const tick = setInterval(() => {
  let out = '';
  for (let k = 0; k < 10 && n < ${LINES}; k++) out += line(n++);
  process.stdout.write(out);
  if (n >= ${LINES}) clearInterval(tick);
}, 5);
`;

function expected(): string {
  let out = '';
  for (let i = 0; i < LINES; i++) {
    out += `line ${String(i).padStart(5, '0')} `.padEnd(99, 'x') + '\n';
  }
  return out;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-serialcap-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('the supervisor caps serial.log', () => {
  it('keeps the tail, and a follower loses nothing unflagged', async () => {
    const serialLog = join(dir, 'serial.log');
    const exitFile = join(dir, 'exit.json');
    await spawnSupervisor(process.execPath, {
      runId: 'r1',
      qemuPath: process.execPath,
      argv: ['-e', CHATTY],
      qemuLog: join(dir, 'qemu.log'),
      runFile: join(dir, 'run.json'),
      exitFile,
      serialLog,
      serialPartBytes: PART,
    });

    // Follow it as `instance logs -w` does, until the run has ended.
    const pieces: { text: string; dropped: boolean }[] = [];
    let offset = 0;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const ended = await exists(exitFile);
      const chunk = await readSerialLog(serialLog, offset);
      if (chunk.text) {
        pieces.push({ text: chunk.text, dropped: chunk.dropped === true });
      }
      offset = chunk.nextOffset;
      if (ended) break;
      await sleep(20);
    }
    const all = expected();
    expect(offset).toBe(all.length);

    // Every piece follows the one before, except after a flagged drop.
    let at = 0;
    for (const piece of pieces) {
      const found = all.indexOf(piece.text, at);
      expect(found === at || (piece.dropped && found > at)).toBe(true);
      at = found + piece.text.length;
    }
    expect(at).toBe(all.length);

    // On disk: serial.log and at most one older part, the output's tail.
    const files = (await readdir(dir)).filter((f) => f.startsWith('serial'));
    expect(files.length).toBeLessThanOrEqual(2);
    let kept = 0;
    for (const f of files) kept += (await stat(join(dir, f))).size;
    expect(kept).toBeLessThanOrEqual(2 * PART + 1000);
    const whole = await readSerialLog(serialLog, 0);
    expect(whole.dropped).toBe(true);
    expect(whole.nextOffset).toBe(all.length);
    expect(all.endsWith(whole.text)).toBe(true);
    expect(whole.text.length).toBe(kept);
  });
});
