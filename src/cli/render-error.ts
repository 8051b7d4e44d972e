// The one place errors become text (or JSON) for the user.
import { errnoCode, printableText, SkiffError } from '../errors.js';
import type { CliContext } from './context.js';
import { explainStatePathError } from './state-path-error.js';

/** Environment faults Node reports raw, with a likely next step. */
const KNOWN_ERRNO_HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space or write elsewhere',
  EACCES: 'permission denied: check the path and its permissions',
  EROFS: 'the file system is read-only: write elsewhere',
  ECONNREFUSED: 'nothing is listening there: check the endpoint',
};

/** Dimmed on a terminal only: piped output and NO_COLOR stay plain. */
function dim(text: string, ctx: CliContext): string {
  const color = ctx.io.stderr.isTTY === true && !ctx.io.env.NO_COLOR;
  return color ? `\x1b[2m${text}\x1b[0m` : text;
}

export function renderError(thrown: unknown, ctx: CliContext): void {
  const err = explainStatePathError(thrown, ctx.io.env);
  const code =
    err instanceof SkiffError ? err.code : (errnoCode(err) ?? 'INTERNAL');
  const message = err instanceof Error ? err.message : String(err);
  const hint =
    err instanceof SkiffError
      ? err.hint
      : KNOWN_ERRNO_HINTS[errnoCode(err) ?? ''];

  if (ctx.json) {
    const done = err instanceof SkiffError ? err.done : undefined;
    ctx.logger.result(
      JSON.stringify({ ...done, error: { code, message, hint } }, null, 2),
    );
    return;
  }
  // JSON escapes control bytes; a terminal would obey them.
  ctx.logger.error(printableText(message));
  if (hint) ctx.logger.error(`hint: ${printableText(hint)}`);
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause) {
    const causeText = cause instanceof Error ? cause.message : String(cause);
    if (causeText && !message.includes(causeText)) {
      ctx.logger.error(dim(`caused by: ${printableText(causeText)}`, ctx));
    }
  }
  if (ctx.debug && err instanceof Error && err.stack)
    ctx.logger.debug(err.stack);
}
