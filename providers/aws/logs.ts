// Console output via GetConsoleOutput. EC2 returns only the last 64 KB as
// one base64 blob and no offsets, so the provider keeps the text it saw
// last and hands out only what is new.
//
// Offsets: the count of console characters delivered so far. With the
// previous text remembered (a `logs -w` loop in one process), new text is
// found by overlap with the old text's tail; when the tail is gone (the
// 64 KB window moved past it, or the instance rebooted) the whole window
// is returned with `dropped: true`. Without memory (a fresh process) the
// window is assumed to start at offset 0.
import { GetConsoleOutputCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { LogChunk } from '../types.js';
import { awsErrorName, awsStep, wrapAwsError } from './errors.js';

/** Characters of the old tail looked for in the new window. */
const ANCHOR_CHARS = 1024;

export interface ConsoleMemo {
  text: string;
  /** The offset at the end of `text`. */
  endOffset: number;
}

/**
 * Where the old window's text ends inside the new window, or undefined.
 * The new window is the old one with its first k characters gone and new
 * output appended; a tail of the old text (the anchor) locates candidate
 * k values, and each candidate is checked against the whole overlap, so a
 * short or repeated anchor cannot cause a false match.
 */
function overlapEnd(old: string, text: string): number | undefined {
  if (old === '') return 0;
  const size = Math.min(ANCHOR_CHARS, Math.max(1, Math.floor(old.length / 2)));
  const anchor = old.slice(-size);
  let at = text.lastIndexOf(anchor);
  while (at >= 0) {
    const slid = old.length - size - at;
    if (slid >= 0 && text.startsWith(old.slice(slid))) return at + size;
    at = at > 0 ? text.lastIndexOf(anchor, at - 1) : -1;
  }
  return undefined;
}

/** Pure: the new part of `text` for a reader at `offset`. */
export function nextChunk(
  memo: ConsoleMemo | undefined,
  offset: number,
  text: string,
): { chunk: LogChunk; memo: ConsoleMemo | undefined } {
  // No Output (none yet, or none for a moment): nothing new, and the text
  // seen last stays the reference, so the next window is not all "new".
  if (text === '') return { chunk: { text: '', nextOffset: offset }, memo };
  let fresh: string;
  let dropped = false;
  if (offset === 0) {
    fresh = text;
  } else if (memo && memo.endOffset === offset) {
    const at = overlapEnd(memo.text, text);
    fresh = at === undefined ? text : text.slice(at);
    dropped = at === undefined;
  } else if (offset <= text.length) {
    fresh = text.slice(offset);
  } else {
    fresh = text;
    dropped = true;
  }
  const nextOffset = offset + fresh.length;
  const chunk: LogChunk = { text: fresh, nextOffset };
  if (dropped) chunk.dropped = true;
  return { chunk, memo: { text, endOffset: nextOffset } };
}

/**
 * The decoded console text. Latest=true gives live output on Nitro types
 * but is refused on Xen types (t2, m4): then the buffered snapshot is used.
 */
export async function readConsoleText(
  ec2: EC2Client,
  instanceId: string,
  name: string,
  latest: boolean,
): Promise<{ text: string; latest: boolean }> {
  const step = `reading the console of instance ${name}`;
  const call = (Latest: boolean) =>
    ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest }));
  let out;
  try {
    out = await call(latest);
  } catch (err) {
    const refused = ['UnsupportedOperation', 'InvalidParameterValue'];
    if (!latest || !refused.includes(awsErrorName(err))) {
      throw wrapAwsError(err, step, 'ec2:GetConsoleOutput');
    }
    latest = false;
    out = await awsStep(step, 'ec2:GetConsoleOutput', () => call(false));
  }
  const text = out.Output
    ? Buffer.from(out.Output, 'base64').toString('utf8')
    : '';
  return { text, latest };
}
