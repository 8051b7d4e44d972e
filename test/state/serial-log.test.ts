// The capped console log read back from its parts: offsets across a
// rotation, dropped output flagged, a restarted log read from the top.
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  readSerialLog,
  removeSerialLog,
  serialLogWritten,
} from '../../src/state/serial-log.js';

let dir: string;
let log: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-serial-'));
  log = join(dir, 'serial.log');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readSerialLog', () => {
  it('reads an unrotated log from an offset', async () => {
    expect(await readSerialLog(log, 0)).toEqual({ text: '', nextOffset: 0 });
    expect(await serialLogWritten(log)).toBe(false);
    await writeFile(log, 'hello\nworld\n');
    expect(await readSerialLog(log, 0)).toEqual({
      text: 'hello\nworld\n',
      nextOffset: 12,
    });
    expect(await readSerialLog(log, 6)).toEqual({
      text: 'world\n',
      nextOffset: 12,
    });
    expect(await serialLogWritten(log)).toBe(true);
  });

  it('leaves a character the guest is still writing for the next read', async () => {
    const grusse = Buffer.from('Grüße €\n');
    // Cut inside "ü" (2 bytes) and, later, inside "€" (3 bytes).
    await writeFile(log, grusse.subarray(0, 3));
    expect(await readSerialLog(log, 0)).toEqual({ text: 'Gr', nextOffset: 2 });
    await writeFile(log, grusse.subarray(0, grusse.length - 2));
    const mid = await readSerialLog(log, 2);
    expect(mid).toEqual({ text: 'üße ', nextOffset: 8 });
    await writeFile(log, grusse);
    expect(await readSerialLog(log, mid.nextOffset)).toEqual({
      text: '€\n',
      nextOffset: grusse.length,
    });
  });

  it('goes on across a rotation, and flags what was dropped', async () => {
    // 0-9 dropped, 10-19 in the part kept, 20-24 in serial.log.
    await writeFile(`${log}.10`, 'bbbbbbbbbb');
    await writeFile(log, 'ccccc');
    expect(await readSerialLog(log, 0)).toEqual({
      text: 'bbbbbbbbbbccccc',
      nextOffset: 25,
      dropped: true,
    });
    expect(await readSerialLog(log, 15)).toEqual({
      text: 'bbbbbccccc',
      nextOffset: 25,
    });
    expect(await readSerialLog(log, 22)).toEqual({
      text: 'ccc',
      nextOffset: 25,
    });
    expect(await readSerialLog(log, 25)).toEqual({
      text: '',
      nextOffset: 25,
    });
  });

  it('reads a log caught between rename and the new file', async () => {
    await writeFile(`${log}.10`, 'bbbbbbbbbb');
    expect(await readSerialLog(log, 12)).toEqual({
      text: 'bbbbbbbb',
      nextOffset: 20,
    });
    await writeFile(log, 'c');
    expect(await readSerialLog(log, 20)).toEqual({
      text: 'c',
      nextOffset: 21,
    });
  });

  it('reads a log restarted since the offset from the top', async () => {
    await writeFile(log, 'new run\n');
    expect(await readSerialLog(log, 500)).toEqual({
      text: 'new run\n',
      nextOffset: 8,
      dropped: true,
    });
  });

  it('follows a rotation that happens between two reads', async () => {
    await writeFile(log, 'aaaa');
    const first = await readSerialLog(log, 0);
    await writeFile(log, 'aaaabb');
    await rename(log, `${log}.0`);
    await writeFile(log, 'cc');
    const second = await readSerialLog(log, first.nextOffset);
    expect(second).toEqual({ text: 'bbcc', nextOffset: 8 });
  });
});

describe('removeSerialLog', () => {
  it('removes the log and its parts, and nothing else', async () => {
    await writeFile(`${log}.10`, 'b');
    await writeFile(log, 'c');
    await writeFile(join(dir, 'serial.log.tmp'), 'other');
    await removeSerialLog(log);
    expect(await readSerialLog(log, 0)).toEqual({ text: '', nextOffset: 0 });
    expect(await readFile(join(dir, 'serial.log.tmp'), 'utf8')).toBe('other');
  });
});
