// Second upload route (--upload s3): multipart upload to the bucket, then
// ImportSnapshot, polled by hand because failed imports end in `deleted`,
// which the SDK waiter does not treat as failure (peers-and-clouds.md §8).
import { createReadStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  CancelImportTaskCommand,
  DescribeImportSnapshotTasksCommand,
  ImportSnapshotCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AbortError, CloudError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { awsStep, wrapAwsError } from './errors.js';
import { pollUntil, PollTimeout, type PollOptions } from './poll.js';
import { toAwsTags } from './tags.js';
import { isVmimportRoleError, vmimportRoleHelp } from './vmimport.js';

const MIB = 1024 * 1024;
/** S3 allows 10,000 parts; stay below with room to spare. */
const MAX_PARTS = 9_000;

/** 8 MiB parts, larger when needed to stay under the part limit. */
export function partSizeFor(sizeBytes: number): number {
  const needed = Math.ceil(sizeBytes / MAX_PARTS / MIB) * MIB;
  return Math.max(8 * MIB, needed);
}

export interface S3UploadOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  path: string;
  sizeBytes: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Date.now() by which the upload must be done. */
  deadline?: number;
}

export async function uploadImageToS3(o: S3UploadOptions): Promise<void> {
  const abortController = new AbortController();
  const onAbort = () => abortController.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // The upload counts against CloudConfig.ImageTimeoutSeconds too.
  const timer =
    o.deadline === undefined
      ? undefined
      : setTimeout(onAbort, Math.max(0, o.deadline - Date.now()));
  const where = `s3://${o.bucket}/${o.key}`;
  const upload = new Upload({
    client: o.s3,
    params: {
      Bucket: o.bucket,
      Key: o.key,
      Body: createReadStream(o.path),
      ContentType: 'application/octet-stream',
    },
    partSize: partSizeFor(o.sizeBytes),
    queueSize: 4,
    leavePartsOnError: false,
    abortController,
  });
  upload.on('httpUploadProgress', (p) => {
    o.logger.progress(`uploading to ${where}`, p.loaded ?? 0, o.sizeBytes);
  });
  try {
    await upload.done();
  } catch (err) {
    if (o.signal?.aborted) throw new AbortError(`uploading to ${where}`);
    if (abortController.signal.aborted) {
      throw new CloudError(
        'AWS_TIMEOUT',
        `uploading the image to ${where}: not finished when ` +
          'CloudConfig.ImageTimeoutSeconds ran out',
        { cause: err, hint: 'raise CloudConfig.ImageTimeoutSeconds' },
      );
    }
    throw wrapAwsError(err, `uploading the image to ${where}`, 's3:PutObject');
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
  o.logger.debug(`uploaded ${o.sizeBytes} bytes to ${where}`);
}

export interface ImportOptions extends PollOptions {
  ec2: EC2Client;
  bucket: string;
  key: string;
  name: string;
  tags: Record<string, string>;
  logger: Logger;
  /** CloudConfig.KMS: encrypt the snapshot with this key. */
  kmsKey?: string;
}

/** Starts ImportSnapshot and polls it; resolves to the snapshot id. */
export async function importSnapshotFromS3(o: ImportOptions): Promise<string> {
  const where = `s3://${o.bucket}/${o.key}`;
  const started = await awsStep(
    `importing ${where} as a snapshot`,
    'ec2:ImportSnapshot',
    () =>
      o.ec2.send(
        new ImportSnapshotCommand({
          Description: `skiff image ${o.name}`,
          DiskContainer: {
            Description: `skiff image ${o.name}`,
            Format: 'RAW',
            UserBucket: { S3Bucket: o.bucket, S3Key: o.key },
          },
          ClientToken: randomUUID(),
          ...(o.kmsKey ? { Encrypted: true, KmsKeyId: o.kmsKey } : {}),
          TagSpecifications: [
            { ResourceType: 'import-snapshot-task', Tags: toAwsTags(o.tags) },
          ],
        }),
      ),
  ).catch((err: unknown) => {
    throw withRoleHint(err, o.bucket);
  });
  const taskId = started.ImportTaskId as string;
  o.logger.info(`import task ${taskId} started (this takes minutes)`);
  const step = `waiting for import task ${taskId} (${where})`;
  let lastMessage = '';
  try {
    return await pollUntil(async () => {
      const out = await awsStep(step, 'ec2:DescribeImportSnapshotTasks', () =>
        o.ec2.send(
          new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [taskId] }),
        ),
      );
      const detail = out.ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
      const status = detail?.Status;
      const message = detail?.StatusMessage ?? '';
      if (status === 'completed' && detail?.SnapshotId)
        return detail.SnapshotId;
      if (status === 'deleted' || status === 'deleting') {
        throw withRoleHint(
          new CloudError(
            'AWS_IMPORT_FAILED',
            `import task ${taskId} for ${where} failed (${status})` +
              (message ? `: ${message}` : ''),
          ),
          o.bucket,
        );
      }
      if (message && message !== lastMessage) {
        o.logger.info(`import ${taskId}: ${message}`);
        lastMessage = message;
      }
      const pct = Number.parseInt(detail?.Progress ?? '', 10);
      if (Number.isFinite(pct)) o.logger.progress('importing', pct, 100);
      return undefined;
    }, o);
  } catch (err) {
    if (o.signal?.aborted) {
      await cancelImport(o, taskId);
      throw new AbortError(`${step}: interrupted`, {
        cause: err,
        hint: `import task ${taskId} was cancelled`,
      });
    }
    if (err instanceof PollTimeout) {
      throw new CloudError(
        'AWS_TIMEOUT',
        `${step}: not done after ${err.timeoutMs / 1000} s`,
        {
          hint:
            `it may still finish: aws ec2 describe-import-snapshot-tasks ` +
            `--import-task-ids ${taskId}; raise CloudConfig.ImageTimeoutSeconds`,
        },
      );
    }
    throw err;
  }
}

/** After Ctrl-C: stop the import, so that the upload can go. */
async function cancelImport(o: ImportOptions, taskId: string): Promise<void> {
  try {
    await awsStep(
      `cancelling import task ${taskId}`,
      'ec2:CancelImportTask',
      () => o.ec2.send(new CancelImportTaskCommand({ ImportTaskId: taskId })),
    );
    o.logger.info(`cancelled import task ${taskId}`);
  } catch (err) {
    o.logger.warn(
      `${err instanceof Error ? err.message : String(err)}; cancel it with ` +
        `\`aws ec2 cancel-import-task --import-task-id ${taskId}\``,
    );
  }
}

/** Adds the vmimport role instructions to errors that are about it. */
function withRoleHint(err: unknown, bucket: string): unknown {
  if (!(err instanceof Error) || !isVmimportRoleError(err.message)) return err;
  return new CloudError(
    'AWS_VMIMPORT_ROLE',
    `${err.message} (the vmimport role is missing or cannot read ` +
      `bucket ${bucket})`,
    { cause: err, hint: vmimportRoleHelp(bucket) },
  );
}

/** The upload is only a vehicle for the import: remove it afterwards. */
export async function deleteUploadQuietly(
  s3: S3Client,
  bucket: string,
  key: string,
  logger: Logger,
): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    logger.debug(`deleted s3://${bucket}/${key}`);
  } catch (err) {
    logger.warn(
      `could not delete s3://${bucket}/${key}: ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
}
