// The --upload s3 route: real multipart bytes into an in-process s3rver,
// ImportSnapshot and IAM mocked (no emulator exists for them).
import { readFile } from 'node:fs/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CancelImportTaskCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeImportSnapshotTasksCommand,
  EC2Client,
  ImportSnapshotCommand,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import {
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
} from 'vitest';
import { createAwsProvider } from '../../../providers/aws/index.js';
import { RecordingLogger, type Logger } from '../../../src/log.js';
import {
  S3RVER_ACCESS_KEY_ID,
  startS3rver,
  type RunningS3rver,
} from '../../helpers/s3rver.js';
import {
  FAST,
  makeCloud,
  makeConfig,
  makeCtx,
  makeImage,
  type ImageFixture,
} from './helpers.js';

const BUCKET = 'skiff-images';
const SECRET = 'fake-secret-Zq81xY0pLm2Nb7Vc';
const TOKEN = 'fake-session-token-Hh3Jk9Lq';
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
let s3rver: RunningS3rver;
let fixture: ImageFixture;

function env() {
  return {
    AWS_ENDPOINT_URL_S3: s3rver.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: TOKEN,
  };
}

function reader() {
  return new S3Client({
    region: 'us-east-1',
    endpoint: s3rver.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY_ID, secretAccessKey: 'x' },
  });
}

async function readObject(key: string): Promise<Buffer> {
  const out = await reader().send(
    new GetObjectCommand({ Bucket: BUCKET, Key: key }),
  );
  return Buffer.from(
    await (
      out.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray(),
  );
}

function mockEc2(finalTask: Record<string, string>) {
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2
    .on(DescribeImagesCommand, { ImageIds: ['ami-9'] })
    .resolves({ Images: [{ ImageId: 'ami-9', State: 'available' }] });
  ec2.on(ImportSnapshotCommand).resolves({ ImportTaskId: 'import-snap-1' });
  ec2
    .on(DescribeImportSnapshotTasksCommand)
    .resolvesOnce({
      ImportSnapshotTasks: [
        {
          SnapshotTaskDetail: {
            Status: 'active',
            StatusMessage: 'validating',
            Progress: '20',
          },
        },
      ],
    })
    .resolves({ ImportSnapshotTasks: [{ SnapshotTaskDetail: finalTask }] });
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(RegisterImageCommand).resolves({ ImageId: 'ami-9' });
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'vmimport',
      Path: '/',
      RoleId: 'r',
      Arn: 'arn:aws:iam::1:role/vmimport',
      CreateDate: new Date(),
      AssumeRolePolicyDocument: encodeURIComponent(
        '{"Principal":{"Service":"vmie.amazonaws.com"}}',
      ),
    },
  });
}

async function create(
  logger: Logger,
  options: Record<string, string | boolean> = {},
  over: { signal?: AbortSignal; imageTimeoutSeconds?: number } = {},
) {
  const aws = await createAwsProvider(
    { ...makeCtx(env(), logger), signal: over.signal },
    makeCloud({
      bucketName: BUCKET,
      zone: 'us-east-1',
      ...(over.imageTimeoutSeconds
        ? { imageTimeoutSeconds: over.imageTimeoutSeconds }
        : {}),
    }),
    FAST,
  );
  return aws.createImage({
    name: 'sf-console',
    image: fixture.image,
    config: makeConfig(),
    options: { upload: 's3', ...options },
  });
}

beforeAll(async () => {
  s3rver = await startS3rver([BUCKET]);
  // 41 blocks of 512 KiB plus a tail: three 8 MiB parts, not all aligned.
  fixture = await makeImage(41, [...Array(41).keys()], 777);
});
afterAll(async () => {
  await s3rver.close();
  await fixture.cleanup();
});
beforeEach(() => {
  s3rver.requests.length = 0;
  ec2.reset();
  iam.reset();
});

describe('S3 upload + ImportSnapshot', () => {
  it('uploads the exact bytes in several parts, imports, tags and registers', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    const logger = new RecordingLogger();
    const info = await create(logger, { keepUpload: true });
    expect(info).toMatchObject({
      id: 'ami-9',
      details: { snapshotId: 'snap-7', route: 's3' },
    });

    const imp = ec2.commandCalls(ImportSnapshotCommand)[0].args[0].input;
    expect(imp.DiskContainer?.Format).toBe('RAW');
    expect(imp.DiskContainer?.UserBucket?.S3Bucket).toBe(BUCKET);
    const key = imp.DiskContainer?.UserBucket?.S3Key as string;
    expect(key).toMatch(/^skiff\/sf-console-\d+\.raw$/);

    const stored = await readObject(key);
    const original = await readFile(fixture.image.path);
    expect(stored.length).toBe(original.length);
    expect(stored.equals(original)).toBe(true);
    const head = await reader().send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: key }),
    );
    expect(head.ContentLength).toBe(original.length);
    const ours = s3rver.requests.filter(
      (r) =>
        r.includes(encodeURIComponent('sf-console-')) ||
        r.includes('sf-console-'),
    );
    expect(ours.filter((r) => /^POST .*\?uploads/.test(r))).toHaveLength(1);
    expect(ours.filter((r) => /^PUT .*partNumber=/.test(r))).toHaveLength(3);
    expect(ours.filter((r) => /^POST .*uploadId=/.test(r))).toHaveLength(1);

    expect(
      ec2.commandCalls(CreateTagsCommand)[0].args[0].input.Resources,
    ).toEqual(['snap-7']);
    const reg = ec2.commandCalls(RegisterImageCommand)[0].args[0].input;
    expect(reg.BlockDeviceMappings?.[0].Ebs?.SnapshotId).toBe('snap-7');
    expect(
      logger.lines.some(
        (l) => l.level === 'progress' && /uploading to s3/.test(l.message),
      ),
    ).toBe(true);
    expect(logger.text()).toContain('import import-snap-1: validating');
  });

  it('fails with the StatusMessage of an import task that ends deleted, and removes the upload', async () => {
    mockEc2({
      Status: 'deleted',
      StatusMessage:
        'ClientError: Disk validation failed [Invalid S3 source location]',
    });
    const err = await create(new RecordingLogger()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_IMPORT_FAILED' });
    expect((err as Error).message).toContain(
      'import task import-snap-1 for s3://skiff-images/',
    );
    expect((err as Error).message).toContain(
      'Disk validation failed [Invalid S3 source location]',
    );
    expect(ec2.commandCalls(RegisterImageCommand)).toHaveLength(0);
    const key = ec2.commandCalls(ImportSnapshotCommand)[0].args[0].input
      .DiskContainer?.UserBucket?.S3Key;
    await expect(readObject(key as string)).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
  });

  it('cancels the import on Ctrl-C, then removes the upload', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    const controller = new AbortController();
    ec2.on(DescribeImportSnapshotTasksCommand).callsFake(() => {
      controller.abort();
      return {
        ImportSnapshotTasks: [{ SnapshotTaskDetail: { Status: 'active' } }],
      };
    });
    ec2.on(CancelImportTaskCommand).resolves({ State: 'deleting' });
    const err = await create(
      new RecordingLogger(),
      {},
      {
        signal: controller.signal,
      },
    ).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'ABORTED' });
    expect(ec2.commandCalls(CancelImportTaskCommand)[0]!.args[0].input).toEqual(
      { ImportTaskId: 'import-snap-1' },
    );
    const key = ec2.commandCalls(ImportSnapshotCommand)[0]!.args[0].input
      .DiskContainer?.UserBucket?.S3Key;
    await expect(readObject(key as string)).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    expect(ec2.commandCalls(RegisterImageCommand)).toHaveLength(0);
  });

  it('keeps the upload when the import is still running at the deadline', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    ec2.on(DescribeImportSnapshotTasksCommand).resolves({
      ImportSnapshotTasks: [{ SnapshotTaskDetail: { Status: 'active' } }],
    });
    const logger = new RecordingLogger();
    const err = await create(logger, {}, { imageTimeoutSeconds: 1 }).catch(
      (e: unknown) => e,
    );

    expect(err).toMatchObject({
      code: 'AWS_TIMEOUT',
      hint: expect.stringContaining('it may still finish'),
    });
    expect(ec2.commandCalls(CancelImportTaskCommand)).toHaveLength(0);
    const key = ec2.commandCalls(ImportSnapshotCommand)[0]!.args[0].input
      .DiskContainer?.UserBucket?.S3Key as string;
    expect((await readObject(key)).length).toBe(fixture.image.sizeBytes);
    expect(logger.text()).toContain(`aws s3 rm s3://${BUCKET}/${key}`);
  }, 15_000);

  it('explains a missing vmimport role before uploading anything', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    iam.on(GetRoleCommand).rejects(
      new IAMServiceException({
        name: 'NoSuchEntity',
        $fault: 'client',
        $metadata: { httpStatusCode: 404 },
        message: 'The role with name vmimport cannot be found.',
      }),
    );
    const err = await create(new RecordingLogger()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_VMIMPORT_ROLE_MISSING' });
    const hint = (err as { hint: string }).hint;
    expect(hint).toContain('aws iam create-role --role-name vmimport');
    expect(hint).toContain('vmie.amazonaws.com');
    expect(hint).toContain(`arn:aws:s3:::${BUCKET}/*`);
    expect(hint).toContain('iam:PassRole');
    expect(ec2.commandCalls(ImportSnapshotCommand)).toHaveLength(0);
  });

  it('maps ImportSnapshot refusing the role to the same instructions', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    ec2.on(ImportSnapshotCommand).rejects(
      Object.assign(
        new Error(
          'The service role vmimport provided does not exist or does not have sufficient permissions',
        ),
        {
          name: 'InvalidParameter',
          $metadata: { httpStatusCode: 400 },
        },
      ),
    );
    const err = await create(new RecordingLogger()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_VMIMPORT_ROLE' });
    expect((err as { hint: string }).hint).toContain('put-role-policy');
  });

  it('reports a missing bucket by name', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    const aws = await createAwsProvider(
      makeCtx(env()),
      makeCloud({ bucketName: 'no-such-bucket', zone: 'us-east-1' }),
      FAST,
    );
    const err = await aws
      .createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
        options: { upload: 's3' },
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_BUCKET_NOT_FOUND' });
    expect((err as Error).message).toContain('"no-such-bucket"');
  });

  it('never lets a credential reach the logger, even at debug level', async () => {
    mockEc2({ Status: 'completed', SnapshotId: 'snap-7' });
    const raw: string[] = [];
    const capture: Logger = {
      error: (m) => raw.push(m),
      warn: (m) => raw.push(m),
      info: (m) => raw.push(m),
      debug: (m) => raw.push(m),
      result: (m) => raw.push(m),
      stream: (c) => raw.push(String(c)),
      progress: (l) => raw.push(l),
      addSecret: () => {},
    };
    const recorded = new RecordingLogger();
    const both: Logger = {
      ...capture,
      debug: (m) => (capture.debug(m), recorded.debug(m)),
      info: (m) => (capture.info(m), recorded.info(m)),
      warn: (m) => (capture.warn(m), recorded.warn(m)),
      error: (m) => (capture.error(m), recorded.error(m)),
      progress: (l, d, t) => (
        capture.progress(l, d, t),
        recorded.progress(l, d, t)
      ),
      addSecret: (v) => recorded.addSecret(v),
    };
    await create(both);
    const debugLines = recorded.lines.filter((l) => l.level === 'debug');
    expect(debugLines.length).toBeGreaterThan(0);
    for (const text of [recorded.text(), raw.join('\n')]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });
});
