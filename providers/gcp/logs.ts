// Serial console output by byte offset (getSerialPortOutput start/next).
// GCE keeps the last 1 MiB: a `start` beyond the offset asked for means
// output was dropped. Right after insert GCE answers 400 until it is ready.
import type { LogChunk } from '../types.js';
import type { GcpContext } from './context.js';
import { describeGcpFailure, gcpError } from './errors.js';
import { instanceNotFound } from './instances.js';
import { checkResourceName } from './settings.js';

/** Reasons that mean "no output yet", not failure. */
const NOT_READY = new Set(['resourceNotReady', 'notReady']);

export async function readGcpLogs(
  ctx: GcpContext,
  name: string,
  offset: number,
): Promise<LogChunk> {
  checkResourceName('instance', name);
  await ctx.clients.authenticate();
  let output: { contents?: string | null; start?: unknown; next?: unknown };
  try {
    [output] = await ctx.clients.instances.getSerialPortOutput({
      project: ctx.settings.projectId,
      zone: ctx.settings.zone,
      instance: name,
      port: 1,
      start: offset,
    });
  } catch (err) {
    const failure = describeGcpFailure(err);
    if (failure.status === 400 && NOT_READY.has(failure.reason ?? '')) {
      ctx.logger.debug(`serial port of ${name} not ready yet`);
      return { text: '', nextOffset: offset };
    }
    if (failure.status === 404) throw instanceNotFound(ctx, name);
    throw gcpError(err, `reading the serial console of ${name}`);
  }
  // int64 fields arrive as strings over REST.
  const start = Number(output.start ?? offset);
  const next = Number(output.next ?? start);
  return {
    text: output.contents ?? '',
    nextOffset: next,
    ...(start > offset ? { dropped: true } : {}),
  };
}
