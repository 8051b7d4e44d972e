// Temps a killed build left beside its output (`.app.img.tmp-...`) are
// removed by the next write of that output: at once when their maker is
// gone on this host, after a day when it cannot be told (another host, an
// older Skiff's name).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdir,
  mkdtemp,
  readdir,
  rm,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/image/write.js';
import { walkthroughSpec } from './fixtures.js';

const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
let dir: string;
let live: ReturnType<typeof spawn>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-temps-'));
  live = spawn('sleep', ['60']);
});
afterAll(async () => {
  live.kill();
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('temps beside an output', () => {
  it('removes those whose maker is gone, keeps the rest', async () => {
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000);
    const names = {
      dead: `.app.img.tmp-${host}-${deadPid()}-0a0b0c0d`,
      deadFolder: `.app.img.tmp-${host}-${deadPid()}-01020304`,
      live: `.app.img.tmp-${host}-${live.pid}-0a0b0c0d`,
      otherHost: `.app.img.tmp-ffffffff-${deadPid()}-0a0b0c0d`,
      oldFresh: `.app.img.tmp-${deadPid()}-0a0b0c0d`,
      oldStale: `.app.img.tmp-${deadPid()}-1a2b3c4d`,
      otherImage: `.other.img.tmp-${host}-${deadPid()}-0a0b0c0d`,
    };
    for (const name of Object.values(names)) {
      if (name === names.deadFolder) {
        await mkdir(join(dir, name));
        await writeFile(join(dir, name, 'disk.raw'), 'x');
      } else await writeFile(join(dir, name), 'x');
    }
    await utimes(join(dir, names.oldStale), dayAgo, dayAgo);

    await writeImage(walkthroughSpec(), join(dir, 'app.img'));

    expect((await readdir(dir)).sort()).toEqual(
      [
        'app.img',
        names.live,
        names.otherHost,
        names.oldFresh,
        names.otherImage,
      ].sort(),
    );
  });
});
