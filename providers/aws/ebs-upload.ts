// Default upload route: writes the raw image straight into a new EBS
// snapshot with the EBS direct APIs (no bucket, no vmimport role).
import { randomUUID } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import {
  CompleteSnapshotCommand,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
  type EBSClient,
} from '@aws-sdk/client-ebs';
import { AbortError, CloudError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import {
  blockDigest,
  EBS_BLOCK_BYTES,
  isZeroBlock,
  linearChecksum,
} from './checksum.js';
import { awsErrorName, isTransientAwsError, wrapAwsError } from './errors.js';
import { withRetry } from './retry.js';
import { toAwsTags } from './tags.js';

const GIB = 1024 ** 3;

export interface EbsUploadTimings {
  /** Blocks in flight at once (each holds one 512 KiB buffer). */
  concurrency: number;
  /** Per-request deadline for PutSnapshotBlock and friends. */
  requestTimeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * How long after StartSnapshot "snapshot not found" counts as "not
   * visible yet" and is retried (coldsnap#43: up to about 2 minutes).
   */
  notFoundWindowMs: number;
}

export const DEFAULT_EBS_TIMINGS: EbsUploadTimings = {
  concurrency: 8,
  requestTimeoutMs: 60_000,
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  notFoundWindowMs: 120_000,
};

export interface EbsUploadOptions {
  ebs: EBSClient;
  /** The raw disk image. */
  path: string;
  /** Used in messages: the image name. */
  name: string;
  description: string;
  tags: Record<string, string>;
  logger: Logger;
  /** The whole upload (not the later wait) must end within this. */
  timeoutMs: number;
  signal?: AbortSignal;
  timings?: Partial<EbsUploadTimings>;
  /** CloudConfig.KMS: encrypt the snapshot with this key (id or ARN). */
  kmsKey?: string;
  /** Told the snapshot id as soon as it exists, for cleanup on failure. */
  onStarted?: (snapshotId: string) => void;
}

export interface EbsUploadResult {
  snapshotId: string;
  volumeSizeGiB: number;
  blocksWritten: number;
  blocksSkipped: number;
  /** The LINEAR aggregate checksum sent with CompleteSnapshot. */
  checksum: string;
}

/** The snapshot is not visible yet right after StartSnapshot. */
export function isSnapshotNotReady(err: unknown): boolean {
  const name = awsErrorName(err);
  const message = err instanceof Error ? err.message : '';
  if (name === 'ResourceNotFoundException') return true;
  return (
    name === 'ValidationException' &&
    /does not exist|not found|not.*(ready|available)/i.test(message)
  );
}

/**
 * Reads block `index` into its own zero-filled buffer (the tail of the
 * last block stays zero). Holes in a sparse file read back as zeros
 * without disk I/O and are then skipped as all-zero blocks.
 */
async function readBlock(
  file: FileHandle,
  index: number,
  sizeBytes: number,
): Promise<Buffer> {
  const block = Buffer.alloc(EBS_BLOCK_BYTES);
  const start = index * EBS_BLOCK_BYTES;
  const length = Math.min(EBS_BLOCK_BYTES, sizeBytes - start);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(
      block,
      done,
      length - done,
      start + done,
    );
    if (bytesRead === 0) throw new Error(`unexpected end of file at ${start}`);
    done += bytesRead;
  }
  return block;
}

export async function uploadSnapshotEbs(
  o: EbsUploadOptions,
): Promise<EbsUploadResult> {
  const t = { ...DEFAULT_EBS_TIMINGS, ...o.timings };
  const file = await open(o.path, 'r');
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const outer = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
  try {
    const { size } = await file.stat();
    return await upload(o, t, file, size, outer);
  } catch (err) {
    if (deadline.aborted && !o.signal?.aborted) {
      throw new CloudError(
        'AWS_TIMEOUT',
        `uploading image ${o.name} to an EBS snapshot did not finish ` +
          `within ${Math.round(o.timeoutMs / 1000)} s`,
        { cause: err, hint: 'raise CloudConfig.ImageTimeoutSeconds' },
      );
    }
    if (o.signal?.aborted) {
      throw new AbortError(`uploading image ${o.name}: interrupted`);
    }
    throw err;
  } finally {
    await file.close();
  }
}

/**
 * StartSnapshot's Timeout: how long the snapshot may stay pending before
 * EBS gives up on it. ImageTimeoutSeconds, in the 10-4320 minutes EBS
 * accepts (EBS direct API reference, StartSnapshot).
 */
export function snapshotTimeoutMinutes(timeoutMs: number): number {
  return Math.min(4320, Math.max(10, Math.ceil(timeoutMs / 60_000)));
}

async function upload(
  o: EbsUploadOptions,
  t: EbsUploadTimings,
  file: FileHandle,
  sizeBytes: number,
  signal: AbortSignal,
): Promise<EbsUploadResult> {
  const volumeSizeGiB = Math.max(1, Math.ceil(sizeBytes / GIB));
  const blockCount = Math.ceil(sizeBytes / EBS_BLOCK_BYTES);
  const retry = {
    maxAttempts: t.maxAttempts,
    baseDelayMs: t.baseDelayMs,
    maxDelayMs: t.maxDelayMs,
    signal,
    shouldRetry: (err: unknown, attempt: number) =>
      !signal.aborted && attempt < t.maxAttempts && transientOrStalled(err),
  };
  // One token for every attempt: a resent StartSnapshot whose first
  // answer was lost returns the same snapshot instead of a second one.
  const clientToken = randomUUID();

  const started = await withRetry(
    (attempt) =>
      run(signal, t.requestTimeoutMs, attempt, (abortSignal) =>
        o.ebs.send(
          new StartSnapshotCommand({
            VolumeSize: volumeSizeGiB,
            Description: o.description,
            Tags: toAwsTags(o.tags),
            ClientToken: clientToken,
            Timeout: snapshotTimeoutMinutes(o.timeoutMs),
            ...(o.kmsKey ? { Encrypted: true, KmsKeyArn: o.kmsKey } : {}),
          }),
          { abortSignal },
        ),
      ),
    retry,
  ).catch((err) => {
    throw wrapEbsError(
      err,
      `starting a snapshot for ${o.name}`,
      'ebs:StartSnapshot',
    );
  });
  const snapshotId = started.SnapshotId as string;
  o.onStarted?.(snapshotId);
  const startedAt = Date.now();
  o.logger.info(
    `uploading ${o.name} (${blockCount} blocks) to snapshot ${snapshotId}`,
  );

  const digests = new Map<number, Buffer>();
  let next = 0;
  let processed = 0;
  let firstError: unknown;
  const failer = new AbortController();
  const workSignal = AbortSignal.any([signal, failer.signal]);
  const shouldRetry = (err: unknown, attempt: number) =>
    !workSignal.aborted &&
    ((isSnapshotNotReady(err) && Date.now() - startedAt < t.notFoundWindowMs) ||
      (attempt < t.maxAttempts && transientOrStalled(err)));

  const putBlock = async (index: number, block: Buffer, digest: Buffer) => {
    const begun = Date.now();
    await withRetry(
      (attempt) =>
        run(workSignal, t.requestTimeoutMs, attempt, (abortSignal) =>
          o.ebs.send(
            new PutSnapshotBlockCommand({
              SnapshotId: snapshotId,
              BlockIndex: index,
              BlockData: block,
              DataLength: EBS_BLOCK_BYTES,
              Checksum: digest.toString('base64'),
              ChecksumAlgorithm: 'SHA256',
            }),
            { abortSignal },
          ),
        ),
      {
        ...retry,
        signal: workSignal,
        shouldRetry,
        onRetry: (err, attempt, delayMs) =>
          o.logger.debug(
            `block ${index}: ${awsErrorName(err)} on attempt ${attempt}, ` +
              `retrying in ${delayMs} ms`,
          ),
      },
    ).catch((err) => {
      throw wrapEbsError(
        err,
        `uploading block ${index} of ${o.name} to ${snapshotId}`,
        'ebs:PutSnapshotBlock',
      );
    });
    o.logger.debug(`block ${index} written in ${Date.now() - begun} ms`);
  };

  const worker = async () => {
    while (!workSignal.aborted) {
      const index = next++;
      if (index >= blockCount) return;
      const block = await readBlock(file, index, sizeBytes);
      if (!isZeroBlock(block)) {
        const digest = blockDigest(block);
        digests.set(index, digest);
        await putBlock(index, block, digest);
      }
      processed++;
      o.logger.progress(
        'uploading snapshot',
        Math.min(processed * EBS_BLOCK_BYTES, sizeBytes),
        sizeBytes,
      );
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(t.concurrency, blockCount)) },
    () =>
      worker().catch((err) => {
        firstError ??= err;
        failer.abort();
      }),
  );
  await Promise.all(workers);
  if (firstError !== undefined) throw firstError;
  if (signal.aborted) throw signal.reason;

  const checksum = linearChecksum(digests);
  await withRetry(
    (attempt) =>
      run(signal, t.requestTimeoutMs, attempt, (abortSignal) =>
        o.ebs.send(
          new CompleteSnapshotCommand({
            SnapshotId: snapshotId,
            ChangedBlocksCount: digests.size,
            Checksum: checksum,
            ChecksumAlgorithm: 'SHA256',
            ChecksumAggregationMethod: 'LINEAR',
          }),
          { abortSignal },
        ),
      ),
    { ...retry, shouldRetry },
  ).catch((err) => {
    throw wrapEbsError(
      err,
      `completing snapshot ${snapshotId} of ${o.name}`,
      'ebs:CompleteSnapshot',
    );
  });
  o.logger.debug(
    `snapshot ${snapshotId}: ${digests.size} blocks written, ` +
      `${blockCount - digests.size} zero blocks skipped, checksum ${checksum}`,
  );
  return {
    snapshotId,
    volumeSizeGiB,
    blocksWritten: digests.size,
    blocksSkipped: blockCount - digests.size,
    checksum,
  };
}

/**
 * A request cut off by its own deadline while the caller's signal was
 * still live: a stall to retry, not an interruption.
 */
class RequestStalled extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly attempt: number,
    cause: unknown,
  ) {
    super(`no answer in ${formatMs(timeoutMs)}`, { cause });
    this.name = 'RequestStalled';
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

function transientOrStalled(err: unknown): boolean {
  return isTransientAwsError(err) || err instanceof RequestStalled;
}

/**
 * wrapAwsError, except that a request that stalled on its last attempt
 * is a retryable AWS_TIMEOUT (exit 1), never an interruption (exit 130):
 * the SDK reports both as AbortError.
 */
function wrapEbsError(err: unknown, step: string, action: string) {
  if (!(err instanceof RequestStalled)) {
    return wrapAwsError(err, step, action);
  }
  const attempts = err.attempt === 1 ? '1 attempt' : `${err.attempt} attempts`;
  return new CloudError(
    'AWS_TIMEOUT',
    `${step}: no answer in ${formatMs(err.timeoutMs)} after ${attempts}`,
    {
      cause: err.cause,
      retryable: true,
      hint: 'check the network to AWS (a proxy or a slow uplink), then run the command again',
    },
  );
}

/** One request with its own deadline on top of the shared signal. */
async function run<T>(
  signal: AbortSignal,
  timeoutMs: number,
  attempt: number,
  call: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const own = AbortSignal.timeout(timeoutMs);
  try {
    return await call(AbortSignal.any([signal, own]));
  } catch (err) {
    if (own.aborted && !signal.aborted) {
      throw new RequestStalled(timeoutMs, attempt, err);
    }
    throw err;
  }
}
