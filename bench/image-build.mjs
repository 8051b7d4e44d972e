// Benchmark: writeImage on a large host tree, and the whole `skiff build`
// of the same tree as Dirs (config, ELF closure, manifest, image), vs
// `cp -r` of the same tree (the floor). Run after `npm run build`:
//   node bench/image-build.mjs [dir...]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  lstat,
  mkdtemp,
  readdir,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeImage } from '../dist/src/image/write.js';

const BIN = join(import.meta.dirname, '../bin/skiff.js');
// The CLI needs a real release: SKIFF_NANOS_DIR, else Skiff's cache.
const NANOS_DIR =
  process.env.SKIFF_NANOS_DIR ||
  join(
    process.env.XDG_CACHE_HOME || join(homedir(), '.cache'),
    'skiff',
    'nanos',
    '0.1.54',
  );

const RUNS = 3;
const sources = process.argv.slice(2);
if (sources.length === 0) {
  // Large trees most Debian machines have; those missing are left out.
  const defaults = [
    '/usr/lib/python3',
    '/usr/lib/python3.11',
    '/usr/lib/node_modules',
    '/usr/share/perl',
  ];
  sources.push(...defaults.filter((d) => existsSync(d)));
  if (sources.length === 0) {
    console.error(`none of ${defaults.join(', ')} here: name folders to copy`);
    process.exit(2);
  }
}
for (const s of sources) {
  if (!existsSync(s)) {
    console.error(`${s}: no such folder`);
    process.exit(2);
  }
}

let files = 0;
let bytes = 0;

async function walk(path) {
  const children = new Map();
  const names = (await readdir(path)).sort();
  for (const name of names) {
    const p = join(path, name);
    const st = await lstat(p);
    if (st.isDirectory()) children.set(name, await walk(p));
    else if (st.isSymbolicLink()) {
      children.set(name, { type: 'symlink', target: await readlink(p) });
    } else if (st.isFile()) {
      files++;
      bytes += st.size;
      children.set(name, {
        type: 'file',
        source: { kind: 'host', path: p, sizeBytes: st.size },
      });
    }
  }
  return { type: 'dir', children };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms) => (ms / 1000).toFixed(3);

const t0 = performance.now();
const root = { type: 'dir', children: new Map() };
for (const s of sources)
  root.children.set(s.replace(/\//g, '_'), await walk(s));
const walkMs = performance.now() - t0;
console.log(
  `tree: ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB ` +
    `(walk ${seconds(walkMs)} s)`,
);

const work = await mkdtemp(join(tmpdir(), 'skiff-bench-'));
const spec = {
  kernel: { kind: 'bytes', data: Buffer.from('\x7fELF placeholder kernel') },
  klibs: new Map(),
  root,
  manifest: new Map([['program', '/bin/true']]),
};

// Warm the page cache so both sides read from memory.
execFileSync('mkdir', ['-p', join(work, 'warm')]);
execFileSync('cp', ['-r', ...sources, join(work, 'warm')]);
await rm(join(work, 'warm'), { recursive: true, force: true });

// writeImage fsyncs its output; plain `cp -r` does not. Both floors are
// reported: `cp -r`, and `cp -r` followed by `sync` (durable, like ours).
const imageMs = [];
const cliMs = [];
const cpMs = [];
const cpSyncMs = [];
const timeCp = (withSync) => {
  const dest = join(work, 'cp');
  execFileSync('mkdir', ['-p', dest]);
  execFileSync('sync');
  const t = performance.now();
  execFileSync('cp', ['-r', ...sources, dest]);
  if (withSync) execFileSync('sync');
  const ms = performance.now() - t;
  execFileSync('rm', ['-rf', dest]);
  return ms;
};
// A tighter floor: the same bytes concatenated into one file, as an image
// holds them, then synced. No per-file metadata to write, unlike cp -r.
const catMs = [];
const timeCat = () => {
  const dest = join(work, 'cat.bin');
  execFileSync('sync');
  const t = performance.now();
  execFileSync('sh', [
    '-c',
    'find "$@" -type f -print0 | xargs -0 cat > "$0" && sync "$0"',
    dest,
    ...sources,
  ]);
  const ms = performance.now() - t;
  execFileSync('rm', ['-f', dest]);
  return ms;
};
const haveNanos = existsSync(join(NANOS_DIR, 'kernel.img'));
const config = join(work, 'config.json');
await writeFile(config, JSON.stringify({ Dirs: sources }));
const timeCli = () => {
  const out = join(work, 'cli.img');
  execFileSync('sync');
  const t = performance.now();
  execFileSync(process.execPath, [
    BIN,
    '-q',
    'build',
    '/bin/true',
    '-c',
    config,
    '-o',
    out,
    '--nanos-dir',
    NANOS_DIR,
  ]);
  const ms = performance.now() - t;
  execFileSync('rm', ['-f', out]);
  return ms;
};
for (let i = 0; i < RUNS; i++) {
  const img = join(work, 'bench.img');
  // Flush earlier runs' dirty pages so each run starts from the same state.
  execFileSync('sync');
  const t = performance.now();
  await writeImage(spec, img);
  imageMs.push(performance.now() - t);
  await rm(img, { force: true });
  if (haveNanos) cliMs.push(timeCli());
  cpMs.push(timeCp(false));
  cpSyncMs.push(timeCp(true));
  catMs.push(timeCat());
}
await rm(work, { recursive: true, force: true });

const m = median(imageMs);
console.log(`writeImage runs:   ${imageMs.map(seconds).join(' ')} s`);
console.log(`cp -r runs:        ${cpMs.map(seconds).join(' ')} s`);
console.log(`cp -r + sync runs: ${cpSyncMs.map(seconds).join(' ')} s`);
console.log(`cat + sync runs:   ${catMs.map(seconds).join(' ')} s`);
if (haveNanos) {
  console.log(`skiff build runs:  ${cliMs.map(seconds).join(' ')} s`);
} else {
  console.log(`skiff build: skipped, no Nanos release in ${NANOS_DIR}`);
}
console.log(
  `median writeImage ${seconds(m)} s; ratio ${(m / median(cpMs)).toFixed(2)}x ` +
    `vs cp -r (${seconds(median(cpMs))} s), ` +
    `${(m / median(cpSyncMs)).toFixed(2)}x vs cp -r + sync ` +
    `(${seconds(median(cpSyncMs))} s), ` +
    `${(m / median(catMs)).toFixed(2)}x vs cat + sync ` +
    `(${seconds(median(catMs))} s)`,
);
if (haveNanos) {
  const c = median(cliMs);
  console.log(
    `median skiff build ${seconds(c)} s; ratio ` +
      `${(c / median(cpMs)).toFixed(2)}x vs cp -r, ` +
      `${(c / median(cpSyncMs)).toFixed(2)}x vs cp -r + sync, ` +
      `${(c / median(catMs)).toFixed(2)}x vs cat + sync`,
  );
}
