// Raw output a command writes itself (`image cat`): each chunk is written
// before the next is read, so memory stays flat on a slow reader, the
// command ends only once its output is out, and a reader that left is
// seen as the SIGPIPE a tool like cat would get.
import { AbortError, errnoCode } from '../errors.js';
import type { Writable } from '../log.js';
import type { CliContext } from './context.js';
import { isBrokenPipe } from './interrupt.js';

/** SIGPIPE's exit code (128 + 13), as the shell reports it. */
const BROKEN_PIPE_EXIT = 141;

function writeChunk(out: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Copies `chunks` to stdout. The reader leaving (EPIPE) ends the copy
 * quietly with exit 141; Ctrl-C ends it as an interrupt.
 */
export async function copyToStdout(
  ctx: CliContext,
  chunks: AsyncIterable<Uint8Array>,
): Promise<void> {
  const { signal, stdout } = ctx.io;
  for await (const chunk of chunks) {
    if (isBrokenPipe(signal)) break;
    if (signal?.aborted) throw new AbortError();
    try {
      await writeChunk(stdout, chunk);
    } catch (err) {
      if (errnoCode(err) !== 'EPIPE') throw err;
      ctx.exitCode = BROKEN_PIPE_EXIT;
      return;
    }
  }
  if (isBrokenPipe(signal)) ctx.exitCode = BROKEN_PIPE_EXIT;
}
