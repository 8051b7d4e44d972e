// The real EBS client against a small EBS fake on 127.0.0.1: request
// bytes and headers on the wire, a stalled request cut off by the
// per-request deadline and resent, and the overall deadline.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import {
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../providers/aws/index.js';
import { RecordingLogger } from '../../../src/log.js';
import {
  BLOCK,
  makeCloud,
  makeConfig,
  makeCtx,
  makeImage,
  type ImageFixture,
} from './helpers.js';

interface Put {
  index: number;
  body: Buffer;
  checksum: string | undefined;
  dataLength: string | undefined;
}

const ec2 = mockClient(EC2Client);
let server: Server;
let endpoint: string;
let fixture: ImageFixture;
let puts: Put[];
let completion: Record<string, string | undefined> | undefined;
/** Block indexes whose next PUT is left hanging, once each. */
let stallOnce: Set<number>;
let stallAll: boolean;

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

beforeEach(async () => {
  ec2.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2
    .on(DescribeImagesCommand, { ImageIds: ['ami-h'] })
    .resolves({ Images: [{ ImageId: 'ami-h', State: 'available' }] });
  ec2
    .on(DescribeSnapshotsCommand)
    .resolves({ Snapshots: [{ State: 'completed' }] });
  ec2.on(RegisterImageCommand).resolves({ ImageId: 'ami-h' });
  ec2.on(DeleteSnapshotCommand).resolves({});
  puts = [];
  completion = undefined;
  stallOnce = new Set();
  stallAll = false;
  server = createServer(async (req, res) => {
    const data = await body(req);
    const url = req.url ?? '';
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'POST' && url === '/snapshots') {
      json(201, {
        SnapshotId: 'snap-h',
        BlockSize: BLOCK,
        Status: 'pending',
        VolumeSize: 1,
      });
      return;
    }
    const block = /^\/snapshots\/snap-h\/blocks\/(\d+)$/.exec(url);
    if (req.method === 'PUT' && block) {
      const index = Number(block[1]);
      if (stallAll || stallOnce.delete(index)) return; // never answer
      puts.push({
        index,
        body: data,
        checksum: req.headers['x-amz-checksum'] as string | undefined,
        dataLength: req.headers['x-amz-data-length'] as string | undefined,
      });
      json(201, {});
      return;
    }
    if (req.method === 'POST' && url === '/snapshots/completion/snap-h') {
      completion = {
        count: req.headers['x-amz-changedblockscount'] as string,
        checksum: req.headers['x-amz-checksum'] as string,
        method: req.headers['x-amz-checksum-aggregation-method'] as string,
      };
      json(202, { Status: 'pending' });
      return;
    }
    json(404, { message: `no route ${req.method} ${url}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fixture = await makeImage(4, [0, 3], 100);
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fixture.cleanup();
});

function env() {
  return {
    AWS_ENDPOINT_URL_EBS: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0000',
    AWS_SECRET_ACCESS_KEY: 'fake/secret/for/the/ebs/fake',
  };
}

function timings(requestTimeoutMs: number, maxAttempts?: number) {
  return {
    timings: {
      pollIntervalMs: 1,
      maxPollIntervalMs: 5,
      ebs: {
        requestTimeoutMs,
        baseDelayMs: 1,
        maxDelayMs: 5,
        ...(maxAttempts ? { maxAttempts } : {}),
      },
    },
  };
}

describe('EBS direct over HTTP', () => {
  it('sends block bytes and checksum headers, and resends a stalled block after its deadline', async () => {
    stallOnce.add(3);
    const logger = new RecordingLogger();
    const aws = await createAwsProvider(
      makeCtx(env(), logger),
      makeCloud({ zone: 'us-east-1' }),
      timings(300),
    );
    await aws.createImage({
      name: 'http-img',
      image: fixture.image,
      config: makeConfig(),
    });

    const data = await readFile(fixture.image.path);
    const padded = (i: number) => {
      const b = Buffer.alloc(BLOCK);
      data.copy(b, 0, i * BLOCK, Math.min(data.length, (i + 1) * BLOCK));
      return b;
    };
    const sha = (b: Buffer) => createHash('sha256').update(b).digest();
    expect(puts.map((p) => p.index).sort()).toEqual([0, 3]);
    for (const put of puts) {
      expect(put.body.equals(padded(put.index))).toBe(true);
      expect(put.checksum).toBe(sha(padded(put.index)).toString('base64'));
      expect(put.dataLength).toBe(String(BLOCK));
    }
    expect(completion).toEqual({
      count: '2',
      checksum: createHash('sha256')
        .update(Buffer.concat([sha(padded(0)), sha(padded(3))]))
        .digest('base64'),
      method: 'LINEAR',
    });
    expect(logger.text()).toMatch(/block 3: \w+ on attempt 1, retrying/);
  });

  it('gives up when the whole upload passes CloudConfig.ImageTimeoutSeconds', async () => {
    stallAll = true;
    const aws = await createAwsProvider(
      makeCtx(env()),
      makeCloud({ zone: 'us-east-1', imageTimeoutSeconds: 1 }),
      timings(200),
    );
    const begun = Date.now();
    const err = await aws
      .createImage({
        name: 'http-img',
        image: fixture.image,
        config: makeConfig(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'AWS_TIMEOUT',
      hint: expect.stringContaining('ImageTimeoutSeconds'),
    });
    expect(Date.now() - begun).toBeLessThan(5_000);
    expect(completion).toBeUndefined();
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0].args[0].input.SnapshotId,
    ).toBe('snap-h');
  });

  it('reports a block that stalls on every attempt as a timeout, not an interruption', async () => {
    stallAll = true;
    const aws = await createAwsProvider(
      makeCtx(env()),
      makeCloud({ zone: 'us-east-1', imageTimeoutSeconds: 30 }),
      timings(100, 3),
    );
    const err = await aws
      .createImage({
        name: 'http-img',
        image: fixture.image,
        config: makeConfig(),
      })
      .catch((e: unknown) => e);

    // ABORTED would make the CLI exit 130, as if the user pressed Ctrl-C.
    expect(err).toMatchObject({ code: 'AWS_TIMEOUT', retryable: true });
    expect((err as Error).message).toMatch(
      /^uploading block [03] of http-img to snap-h: no answer in 100 ms after 3 attempts$/,
    );
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0]!.args[0].input.SnapshotId,
    ).toBe('snap-h');
  });
});
