// `skiff image ls|cat|tree|env|manifest <img>`: read-only browsing of a
// local image's root (or, with --bootfs, boot) filesystem.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../log.js';
import { openImage, type ImageReader } from '../../image/read.js';
import { imageDiskPath } from '../../state/images.js';
import { tfsToJson } from '../../tfs/json.js';
import { Tuple } from '../../tfs/value.js';
import type { TfsEntry, TfsVolume } from '../../tfs/volume.js';
import type { CliContext } from '../context.js';
import { copyToStdout } from '../write-out.js';
import { formatTable } from '../table.js';

interface VolumeFlags {
  bootfs?: boolean;
}

/** A path to an image file, or the name of an image in Skiff's store. */
function resolveImagePath(ctx: CliContext, arg: string): string {
  if (existsSync(arg)) return arg;
  if (!arg.includes('/')) {
    const stored = imageDiskPath(ctx.paths, arg);
    if (existsSync(stored)) return stored;
  }
  throw new UserError('IMAGE_NOT_FOUND', `image ${arg} not found`, {
    hint: 'give a path to a .img file or a name from `skiff image list`',
  });
}

async function withImage<T>(
  ctx: CliContext,
  arg: string,
  fn: (img: ImageReader) => Promise<T>,
): Promise<T> {
  const img = await openImage(resolveImagePath(ctx, arg));
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

function volumeOf(img: ImageReader, flags: VolumeFlags): Promise<TfsVolume> {
  return flags.bootfs ? img.bootfs() : Promise.resolve(img.root);
}

function displayName(e: TfsEntry): string {
  if (e.type === 'dir') return e.name.endsWith('/') ? e.name : `${e.name}/`;
  if (e.type === 'symlink') return `${e.name} -> ${e.target}`;
  return e.name;
}

/** One line per entry; with `long`, type and size columns too. */
export function formatListing(entries: TfsEntry[], long: boolean): string {
  if (!long) return entries.map(displayName).join('\n');
  return formatTable(
    ['TYPE', 'SIZE', 'NAME'],
    entries.map((e) => [
      e.type,
      e.type === 'file' ? formatBytes(e.sizeBytes) : '-',
      displayName(e),
    ]),
  );
}

export interface TreeJson extends TfsEntry {
  children?: TreeJson[];
}

/** The subtree at `path`, symlinks not followed below it. */
export function treeOf(vol: TfsVolume, path: string): TreeJson {
  const st = vol.stat(path);
  const seen = new Set<Tuple>();
  const walk = (entry: TfsEntry, dirPath: string, tuple: Tuple): TreeJson => {
    if (entry.type !== 'dir' || seen.has(tuple)) return entry;
    seen.add(tuple);
    const children = vol.list(dirPath).map((c) => {
      const childPath = `${dirPath === '/' ? '' : dirPath}/${c.name}`;
      return walk(c, childPath, vol.lstat(childPath).tuple);
    });
    seen.delete(tuple);
    return { ...entry, children };
  };
  return walk(
    { name: st.path, type: st.type, sizeBytes: st.sizeBytes },
    st.path,
    st.tuple,
  );
}

/** `tree`-style drawing of a TreeJson. */
export function formatTree(root: TreeJson): string {
  const lines = [displayName(root)];
  const draw = (node: TreeJson, prefix: string) => {
    const kids = node.children ?? [];
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${displayName(c)}`);
      draw(c, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  draw(root, '');
  return lines.join('\n');
}

function registerLs(image: Command, ctx: CliContext): void {
  image
    .command('ls')
    .description('list a directory inside an image')
    .argument('<img>', 'image file or stored image name')
    .argument('[path]', 'directory or file inside the image', '/')
    .option('-l, --long', 'show type and size')
    .option('--bootfs', 'read the boot filesystem (kernel, klibs)')
    .action(
      async (
        arg: string,
        path: string,
        opts: VolumeFlags & { long?: boolean },
      ) => {
        await withImage(ctx, arg, async (img) => {
          const vol = await volumeOf(img, opts);
          const st = vol.stat(path);
          const entries =
            st.type === 'dir'
              ? vol.list(path)
              : [{ name: st.name, type: st.type, sizeBytes: st.sizeBytes }];
          ctx.logger.result(
            ctx.json
              ? JSON.stringify(entries, null, 2)
              : formatListing(entries, opts.long === true),
          );
        });
      },
    );
}

function registerCat(image: Command, ctx: CliContext): void {
  image
    .command('cat')
    .description("write a file's bytes from an image to stdout")
    .argument('<img>', 'image file or stored image name')
    .argument('<path>', 'file inside the image (symlinks are followed)')
    .option('--bootfs', 'read the boot filesystem (kernel, klibs)')
    .action(async (arg: string, path: string, opts: VolumeFlags) => {
      await withImage(ctx, arg, async (img) => {
        const vol = await volumeOf(img, opts);
        await copyToStdout(ctx, vol.createReadStream(path));
      });
    });
}

function registerTree(image: Command, ctx: CliContext): void {
  image
    .command('tree')
    .description('show the file tree inside an image')
    .argument('<img>', 'image file or stored image name')
    .argument('[path]', 'directory inside the image', '/')
    .option('--bootfs', 'read the boot filesystem (kernel, klibs)')
    .action(async (arg: string, path: string, opts: VolumeFlags) => {
      await withImage(ctx, arg, async (img) => {
        const tree = treeOf(await volumeOf(img, opts), path);
        ctx.logger.result(
          ctx.json ? JSON.stringify(tree, null, 2) : formatTree(tree),
        );
      });
    });
}

function registerEnv(image: Command, ctx: CliContext): void {
  image
    .command('env')
    .description("print the program's environment stored in an image")
    .argument('<img>', 'image file or stored image name')
    .action(async (arg: string) => {
      await withImage(ctx, arg, async (img) => {
        const env = img.manifest().get('environment');
        const vars = env instanceof Tuple ? tfsToJson(env) : {};
        ctx.logger.result(
          ctx.json
            ? JSON.stringify(vars, null, 2)
            : Object.entries(vars)
                .map(
                  ([k, v]) =>
                    `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
                )
                .join('\n'),
        );
      });
    });
}

function registerManifest(image: Command, ctx: CliContext): void {
  image
    .command('manifest')
    .description('print the root manifest (without the file tree) as JSON')
    .argument('<img>', 'image file or stored image name')
    .action(async (arg: string) => {
      await withImage(ctx, arg, async (img) => {
        ctx.logger.result(JSON.stringify(img.manifestJson(), null, 2));
      });
    });
}

/** Adds ls, cat, tree, env and manifest to the `image` group. */
export function registerImageInspect(image: Command, ctx: CliContext): void {
  registerLs(image, ctx);
  registerCat(image, ctx);
  registerTree(image, ctx);
  registerEnv(image, ctx);
  registerManifest(image, ctx);
}
