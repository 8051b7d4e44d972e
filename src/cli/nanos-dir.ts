// The Nanos release folder a command was pointed at: --nanos-dir, else
// SKIFF_NANOS_DIR, both relative to the cwd.
import { resolve } from 'node:path';
import { buildFlagValues } from './build-flags.js';
import type { CliContext } from './context.js';

export function nanosDirOf(
  opts: Record<string, unknown>,
  ctx: CliContext,
): string | undefined {
  const flag = buildFlagValues(opts, ctx.io.cwd).nanosDir;
  const env = ctx.io.env.SKIFF_NANOS_DIR;
  return flag ?? (env ? resolve(ctx.io.cwd, env) : undefined);
}
