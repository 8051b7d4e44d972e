// Console output: base64 decoding, Latest=true with a fallback, and the
// offset semantics of readLogs on a console that only keeps a window.
import {
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  GetConsoleOutputCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../providers/aws/index.js';
import { nextChunk } from '../../../providers/aws/logs.js';
import { FAST, makeCloud, makeCtx } from './helpers.js';

const ec2 = mockClient(EC2Client);
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: 'i-1',
            State: { Name: 'running' },
            Tags: [{ Key: 'Name', Value: 'sf' }],
          },
        ],
      },
    ],
  });
});

describe('readLogs', () => {
  it('asks for Latest output, decodes it and returns only what is new on each poll', async () => {
    ec2
      .on(GetConsoleOutputCommand)
      .resolvesOnce({})
      .resolvesOnce({ Output: b64('en1: assigned 10.0.0.5\n') })
      .resolvesOnce({
        Output: b64('en1: assigned 10.0.0.5\nlistening on :80\n'),
      })
      .resolves({ Output: b64('en1: assigned 10.0.0.5\nlistening on :80\n') });
    const aws = await createAwsProvider(makeCtx(), makeCloud(), FAST);
    const texts: string[] = [];
    let offset = 0;
    for (let i = 0; i < 4; i++) {
      const chunk = await aws.readLogs('sf', offset);
      texts.push(chunk.text);
      offset = chunk.nextOffset;
    }
    expect(texts).toEqual([
      '',
      'en1: assigned 10.0.0.5\n',
      'listening on :80\n',
      '',
    ]);
    expect(offset).toBe('en1: assigned 10.0.0.5\nlistening on :80\n'.length);
    for (const call of ec2.commandCalls(GetConsoleOutputCommand)) {
      expect(call.args[0].input).toEqual({ InstanceId: 'i-1', Latest: true });
    }
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  it('spaces GetConsoleOutput calls for one instance by consoleIntervalMs', async () => {
    ec2.on(GetConsoleOutputCommand).resolves({ Output: b64('x\n') });
    const aws = await createAwsProvider(makeCtx(), makeCloud(), {
      timings: { consoleIntervalMs: 60 },
    });
    const begun = Date.now();
    await aws.readLogs('sf', 0);
    await aws.readLogs('sf', 2);
    await aws.readLogs('sf', 2);
    expect(Date.now() - begun).toBeGreaterThanOrEqual(115);
    expect(ec2.commandCalls(GetConsoleOutputCommand)).toHaveLength(3);
  });

  it('falls back to the buffered output on instance types that refuse Latest', async () => {
    ec2.on(GetConsoleOutputCommand, { Latest: true }).rejects(
      new EC2ServiceException({
        name: 'UnsupportedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message:
          'This instance type does not support retrieving the latest console output.',
      }),
    );
    ec2
      .on(GetConsoleOutputCommand, { Latest: false })
      .resolves({ Output: b64('boot\n') });
    const aws = await createAwsProvider(makeCtx(), makeCloud(), FAST);
    expect((await aws.readLogs('sf', 0)).text).toBe('boot\n');
    expect((await aws.readLogs('sf', 5)).text).toBe('');
    expect(
      ec2.commandCalls(GetConsoleOutputCommand, { Latest: true }),
    ).toHaveLength(1);
  });
});

describe('nextChunk', () => {
  it('finds new text after the window moved, by overlap with the old tail', () => {
    const first = nextChunk(undefined, 0, 'aaaa\nbbbb\ncccc\n');
    expect(first.chunk).toEqual({ text: 'aaaa\nbbbb\ncccc\n', nextOffset: 15 });
    const moved = nextChunk(first.memo, 15, 'bbbb\ncccc\ndddd\n');
    expect(moved.chunk).toEqual({ text: 'dddd\n', nextOffset: 20 });
  });

  it('marks output as dropped when none of the old tail is left', () => {
    const first = nextChunk(undefined, 0, 'x'.repeat(2000));
    const gone = nextChunk(first.memo, 2000, 'fresh boot\n');
    expect(gone.chunk).toEqual({
      text: 'fresh boot\n',
      nextOffset: 2011,
      dropped: true,
    });
  });

  it('keeps its memory through a poll that returns no Output', () => {
    const first = nextChunk(undefined, 0, 'boot\nready\n');
    const empty = nextChunk(first.memo, 11, '');
    expect(empty.chunk).toEqual({ text: '', nextOffset: 11 });
    // Without the old text, the whole window would be "new" and "lost".
    const next = nextChunk(empty.memo, 11, 'boot\nready\nGET /\n');
    expect(next.chunk).toEqual({ text: 'GET /\n', nextOffset: 17 });
  });

  it('treats the window as starting at 0 without memory (a new process)', () => {
    expect(nextChunk(undefined, 3, 'abcdef').chunk).toEqual({
      text: 'def',
      nextOffset: 6,
    });
    expect(nextChunk(undefined, 10, 'abc').chunk).toEqual({
      text: 'abc',
      nextOffset: 13,
      dropped: true,
    });
  });
});

describe('nextChunk on repetitive output', () => {
  it('aligns by the whole overlap, not by the first match of the anchor', () => {
    const old = 'tick\n'.repeat(10) + 'tock\n';
    const first = nextChunk(undefined, 0, old);
    // Two lines scrolled out, "tick\ntock\n" appended.
    const text = old.slice(10) + 'tick\ntock\n';
    const next = nextChunk(first.memo, first.chunk.nextOffset, text);
    expect(next.chunk).toEqual({
      text: 'tick\ntock\n',
      nextOffset: old.length + 10,
    });
  });
});
