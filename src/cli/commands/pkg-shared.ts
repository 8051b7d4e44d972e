// What the pkg subcommands share: --arch, --local, and the store.
import { arch as hostArch } from 'node:os';
import type { Command } from 'commander';
import { PackageStore } from '../../pkg/store.js';
import { normalizeArch } from '../../oci/platform.js';
import type { CliContext } from '../context.js';

export interface PkgFlags {
  arch?: string;
  local?: boolean;
}

/** --arch (default: this machine's) and ops' -l/--local. */
export function addPkgFlags(cmd: Command): Command {
  return cmd
    .option('--arch <arch>', 'amd64 or arm64 (default: this machine)')
    .option('-l, --local', 'local packages (the only kind Skiff keeps)');
}

export function archOf(opts: PkgFlags): string {
  return normalizeArch(opts.arch ?? hostArch());
}

export function storeOf(ctx: CliContext, opts: PkgFlags): PackageStore {
  return new PackageStore(ctx.paths, archOf(opts));
}
