// `skiff image ls|cat|tree|env|manifest`, run in-process on a commander
// program that holds only these commands (as main() registers them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerImageInspect } from '../../src/cli/commands/image-inspect.js';
import type { CliContext } from '../../src/cli/context.js';
import { SkiffError } from '../../src/errors.js';
import { createConsoleLogger } from '../../src/log.js';
import { resolvePaths } from '../../src/paths.js';
import { writeImage } from '../../src/image/write.js';
import { hello159, walkthroughSpec } from './fixtures.js';

let dir: string;
let img: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-cli-'));
  img = join(dir, 'hello.img');
  const spec = walkthroughSpec();
  spec.root.children.set('etc', {
    type: 'dir',
    children: new Map([
      [
        'hosts',
        {
          type: 'file',
          source: { kind: 'bytes', data: Buffer.from('127.0.0.1 x\n') },
        },
      ],
      ['link', { type: 'symlink', target: '/hello' }],
    ]),
  });
  await writeImage(spec, img);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function main(argv: string[], io: CliContext['io']) {
  const json = argv.includes('--json');
  const ctx: CliContext = {
    io,
    logger: createConsoleLogger({ ...io, level: 'info', json }),
    paths: resolvePaths(io.env),
    json,
    debug: false,
  };
  const program = new Command('skiff').option('--json').exitOverride();
  program.configureOutput({ writeErr: (s) => io.stderr.write(s) });
  registerImageInspect(program.command('image'), ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    io.stderr.write(err instanceof SkiffError ? err.message : String(err));
    return 1;
  }
}

async function run(...argv: string[]) {
  const out: Buffer[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    env: { SKIFF_HOME: join(dir, 'home') },
    cwd: dir,
    stdout: {
      write: (c, callback) => {
        out.push(Buffer.from(c));
        callback?.();
      },
    },
    stderr: { write: (c) => err.push(String(c)) },
  });
  return {
    code,
    out: Buffer.concat(out),
    text: Buffer.concat(out).toString(),
    err: err.join(''),
  };
}

describe('skiff image inspection', () => {
  it('ls lists the root, with -l and --json', async () => {
    const plain = await run('image', 'ls', img);
    expect(plain.code).toBe(0);
    expect(plain.text).toBe('hello\netc/\n');
    const long = await run('image', 'ls', img, '/etc', '-l');
    expect(long.text).toMatch(
      /^TYPE\s+SIZE\s+NAME\nfile\s+12 B\s+hosts\nsymlink\s+-\s+link -> \/hello\n$/,
    );
    const json = await run('--json', 'image', 'ls', img);
    expect(JSON.parse(json.text)).toEqual([
      { name: 'hello', type: 'file', sizeBytes: 159 },
      { name: 'etc', type: 'dir', sizeBytes: 0 },
    ]);
  });

  it('ls --bootfs shows the kernel', async () => {
    const r = await run('image', 'ls', img, '--bootfs', '-l');
    expect(r.text).toMatch(/file\s+19 B\s+kernel/);
  });

  it('cat writes raw bytes, following symlinks', async () => {
    const r = await run('image', 'cat', img, '/etc/link');
    expect(r.code).toBe(0);
    expect(r.out.equals(hello159())).toBe(true);
    const k = await run('image', 'cat', img, '/kernel', '--bootfs');
    expect(k.text).toBe('KERNEL-PLACEHOLDER\n');
  });

  it('tree draws the tree', async () => {
    const r = await run('image', 'tree', img);
    expect(r.text).toBe(
      '/\n├── hello\n└── etc/\n    ├── hosts\n    └── link -> /hello\n',
    );
    const j = await run('image', 'tree', img, '/etc', '--json');
    expect(
      JSON.parse(j.text).children.map((c: { name: string }) => c.name),
    ).toEqual(['hosts', 'link']);
  });

  it('env and manifest print the stored configuration', async () => {
    expect((await run('image', 'env', img)).text).toBe('FOO=bar\n');
    expect(JSON.parse((await run('image', 'env', img, '--json')).text)).toEqual(
      {
        FOO: 'bar',
      },
    );
    expect(JSON.parse((await run('image', 'manifest', img)).text)).toEqual({
      program: '/hello',
      arguments: ['/hello', 'world'],
      environment: { FOO: 'bar' },
    });
  });

  it('names an unknown path and an unknown image', async () => {
    const r = await run('image', 'cat', img, '/nope');
    expect(r.code).toBe(1);
    expect(r.err).toContain('/nope');
    const m = await run('image', 'ls', join(dir, 'missing.img'));
    expect(m.code).toBe(1);
    expect(m.err).toContain('missing.img');
  });

  it('says plainly that cat was given a folder', async () => {
    const cat = await run('image', 'cat', img, '/etc');
    expect(cat.code).toBe(1);
    expect(cat.err).toBe('/etc is a folder in the image, not a file');
  });

  it('names a folder given as the image', async () => {
    const r = await run('image', 'ls', dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${dir} is a folder, not an image file`);
  });
});
