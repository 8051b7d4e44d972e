// `skiff image`: the group. Inspection (ls, cat, tree) and management
// (create, list, delete) are registered from their own files.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerImageDelete } from './image-delete.js';
import { registerImageInspect } from './image-inspect.js';
import { registerImageManage } from './image-manage.js';

export function registerImage(program: Command, ctx: CliContext): Command {
  const image = program
    .command('image')
    .description('build, list and inspect images');
  void ctx;
  registerImageManage(image, ctx);
  registerImageDelete(image, ctx);
  registerImageInspect(image, ctx);
  return image;
}
