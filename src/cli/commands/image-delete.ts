// `skiff image delete <names...>`: every name is checked before anything
// is deleted; then each is deleted, one failure not stopping the others.
import type { Command } from 'commander';
import { AbortError, errnoCode, SkiffError } from '../../errors.js';
import { listNames } from '../../state/names.js';
import type { Provider } from '../../../providers/types.js';
import type { CliContext } from '../context.js';
import {
  addTargetFlags,
  providerFor,
  resolveRunOnlyConfig,
  type TargetFlags,
} from './instance-target.js';

type DeleteFlags = TargetFlags & { force?: boolean };

interface Failure {
  name: string;
  err: unknown;
}

/**
 * Refuses the whole list when a name is unknown: a typo in a list of
 * images to delete should not cost the others. A single name is left to
 * the adapter, whose error says more (an image Skiff did not make).
 */
async function checkNamesExist(
  provider: Provider,
  names: string[],
): Promise<void> {
  if (names.length < 2) return;
  const existing = (await provider.listImages()).map((i) => i.name);
  const unknown = names.filter((n) => !existing.includes(n));
  if (unknown.length === 0) return;
  const where = provider.target === 'qemu' ? 'local' : provider.target;
  const quoted = unknown.map((n) => `"${n}"`).join(', ');
  throw new SkiffError(
    'IMAGE_NOT_FOUND',
    `no ${where} image named ${quoted}; images: ${listNames(existing)}`,
    {
      hint: 'nothing was deleted: fix the names (see `skiff image list`)',
      done: { deleted: [] },
    },
  );
}

/** One failure as it came (its code and hint), several as one error. */
function failureError(failures: Failure[], deleted: string[]): SkiffError {
  const parts = failures.map(({ name, err }) => ({
    name,
    code: err instanceof SkiffError ? err.code : (errnoCode(err) ?? 'INTERNAL'),
    message: err instanceof Error ? err.message : String(err),
    hint: err instanceof SkiffError ? err.hint : undefined,
  }));
  const kept = deleted.length > 0 ? ` (deleted: ${deleted.join(', ')})` : '';
  const hints = [...new Set(parts.map((p) => p.hint).filter(Boolean))];
  const [first] = parts;
  return new SkiffError(
    parts.length === 1 ? first!.code : 'IMAGE_DELETE_FAILED',
    parts.length === 1
      ? `${first!.message}${kept}`
      : `${parts.length} images not deleted${kept}: ` +
          parts.map((p) => `${p.name}: ${p.message}`).join('; '),
    {
      hint: hints.join('; ') || undefined,
      cause: failures[0]!.err,
      done: { deleted, failed: parts.map((p) => p.name) },
    },
  );
}

export function registerImageDelete(image: Command, ctx: CliContext): void {
  const cmd = image
    .command('delete')
    .description('delete stored images')
    .argument('<names...>', 'the images')
    .option('--force', 'delete even if a running instance uses it');
  addTargetFlags(cmd);
  cmd.action(async (args: string[], opts: DeleteFlags) => {
    const names = [...new Set(args)];
    const config = await resolveRunOnlyConfig(ctx, opts);
    const provider = await providerFor(ctx, opts, config);
    await checkNamesExist(provider, names);

    const deleted: string[] = [];
    const failures: Failure[] = [];
    for (const name of names) {
      if (ctx.io.signal?.aborted) {
        throw new AbortError('interrupted', { done: { deleted } });
      }
      try {
        await provider.deleteImage(name, { force: opts.force === true });
      } catch (err) {
        if (ctx.io.signal?.aborted || err instanceof AbortError) {
          const message = err instanceof Error ? err.message : 'interrupted';
          throw new AbortError(message, { cause: err, done: { deleted } });
        }
        failures.push({ name, err });
        continue;
      }
      deleted.push(name);
      ctx.logger.info(`image ${name} deleted`);
    }
    if (failures.length > 0) throw failureError(failures, deleted);
    if (ctx.json) ctx.logger.result(JSON.stringify({ deleted }));
  });
}
