// The default route through the provider: EBS direct blocks, checksums,
// retries, snapshot states, registration; EBS and EC2 mocked at the SDK.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  CompleteSnapshotCommand,
  PutSnapshotBlockCommand,
  InternalServerException,
  RequestThrottledException,
  ResourceNotFoundException,
  StartSnapshotCommand,
  EBSClient,
} from '@aws-sdk/client-ebs';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
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
  FAST,
  makeCloud,
  makeConfig,
  makeCtx,
  makeImage,
  type ImageFixture,
} from './helpers.js';

const ebs = mockClient(EBSClient);
const ec2 = mockClient(EC2Client);
let fixture: ImageFixture;

/** Independent of providers/aws/checksum.ts: padded blocks, hashed here. */
async function expectedBlocks(path: string) {
  const data = await readFile(path);
  const blocks = new Map<number, Buffer>();
  for (let i = 0; i * BLOCK < data.length; i++) {
    const block = Buffer.alloc(BLOCK);
    data.copy(block, 0, i * BLOCK, Math.min(data.length, (i + 1) * BLOCK));
    if (block.some((b) => b !== 0)) blocks.set(i, block);
  }
  const sha = (b: Buffer) => createHash('sha256').update(b).digest();
  const indexes = [...blocks.keys()].sort((a, b) => a - b);
  const aggregate = createHash('sha256')
    .update(Buffer.concat(indexes.map((i) => sha(blocks.get(i) as Buffer))))
    .digest('base64');
  return { blocks, aggregate, sha };
}

function mockHappyPath() {
  ebs
    .on(StartSnapshotCommand)
    .resolves({ SnapshotId: 'snap-1', BlockSize: BLOCK });
  ebs.on(PutSnapshotBlockCommand).resolves({});
  ebs.on(CompleteSnapshotCommand).resolves({ Status: 'pending' });
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2
    .on(DescribeImagesCommand, { ImageIds: ['ami-1'] })
    .resolves({ Images: [{ ImageId: 'ami-1', State: 'available' }] });
  ec2
    .on(DescribeSnapshotsCommand)
    .resolvesOnce({ Snapshots: [{ State: 'pending', Progress: '40%' }] })
    .resolves({ Snapshots: [{ State: 'completed', Progress: '100%' }] });
  ec2.on(RegisterImageCommand).resolves({ ImageId: 'ami-1' });
}

const oldImage = {
  ImageId: 'ami-old',
  Name: 'sf-console',
  Tags: [{ Key: 'skiff:managed', Value: 'true' }],
  BlockDeviceMappings: [
    { DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-old' } },
  ],
};

function ec2Error(name: string, message: string) {
  return Object.assign(new Error(message), {
    name,
    $metadata: { httpStatusCode: 400 },
  });
}

/** The EC2 calls that change something, in the order they were made. */
function ec2Order(): string[] {
  const changing = /^(Deregister|Register|Delete)/;
  return ec2
    .calls()
    .map((c) => (c.args[0] as object).constructor.name)
    .filter((n) => changing.test(n));
}

async function provider(logger = new RecordingLogger()) {
  return createAwsProvider(makeCtx({}, logger), makeCloud(), FAST);
}

beforeEach(async () => {
  ebs.reset();
  ec2.reset();
  // Blocks 1, 3, 4 are holes; 6 is a partial last block.
  fixture = await makeImage(6, [0, 2, 5, 6], 1000);
});
afterEach(() => fixture.cleanup());

describe('EBS direct upload', () => {
  it('sends only non-zero blocks with their checksums and the LINEAR aggregate', async () => {
    mockHappyPath();
    const aws = await provider();
    const info = await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    });
    expect(info).toMatchObject({
      id: 'ami-1',
      status: 'available',
      name: 'sf-console',
      // The volume, in whole GiB, as `image list` shows it.
      sizeBytes: 1024 ** 3,
    });

    const { blocks, aggregate, sha } = await expectedBlocks(fixture.image.path);
    const puts = ebs
      .commandCalls(PutSnapshotBlockCommand)
      .map((c) => c.args[0].input);
    expect(puts.map((p) => p.BlockIndex).sort((a, b) => a! - b!)).toEqual([
      0, 2, 5, 6,
    ]);
    for (const put of puts) {
      const expected = blocks.get(put.BlockIndex as number) as Buffer;
      expect(Buffer.from(put.BlockData as Uint8Array).equals(expected)).toBe(
        true,
      );
      expect(put.DataLength).toBe(BLOCK);
      expect(put.Checksum).toBe(sha(expected).toString('base64'));
      expect(put.ChecksumAlgorithm).toBe('SHA256');
    }

    const start = ebs.commandCalls(StartSnapshotCommand)[0].args[0].input;
    expect(start.VolumeSize).toBe(1);
    expect(start.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(start.Tags).toContainEqual({ Key: 'skiff:managed', Value: 'true' });

    const complete = ebs.commandCalls(CompleteSnapshotCommand)[0].args[0].input;
    expect(complete).toEqual({
      SnapshotId: 'snap-1',
      ChangedBlocksCount: 4,
      Checksum: aggregate,
      ChecksumAlgorithm: 'SHA256',
      ChecksumAggregationMethod: 'LINEAR',
    });

    const reg = ec2.commandCalls(RegisterImageCommand)[0].args[0].input;
    expect(reg).toMatchObject({
      Name: 'sf-console',
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
      EnaSupport: true,
      BootMode: 'legacy-bios',
      RootDeviceName: '/dev/sda1',
    });
    expect(reg.BlockDeviceMappings?.[0]).toEqual({
      DeviceName: '/dev/sda1',
      Ebs: {
        SnapshotId: 'snap-1',
        DeleteOnTermination: true,
        VolumeType: 'gp3',
        VolumeSize: 1,
      },
    });
  });

  it('retries a throttled block and a snapshot not visible yet, resending the same bytes', async () => {
    mockHappyPath();
    const throttle = new RequestThrottledException({
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
    const notYet = new ResourceNotFoundException({
      $metadata: { httpStatusCode: 404 },
      message: "The snapshot 'snap-1' does not exist.",
    });
    ebs
      .on(PutSnapshotBlockCommand, { BlockIndex: 2 })
      .rejectsOnce(throttle)
      .rejectsOnce(throttle)
      .resolves({});
    ebs
      .on(PutSnapshotBlockCommand, { BlockIndex: 0 })
      .rejectsOnce(notYet)
      .resolves({});
    const logger = new RecordingLogger();
    const aws = await provider(logger);
    await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    });

    const calls = ebs
      .commandCalls(PutSnapshotBlockCommand)
      .map((c) => c.args[0].input);
    const block2 = calls.filter((c) => c.BlockIndex === 2);
    expect(block2).toHaveLength(3);
    const bytes = block2.map((c) => Buffer.from(c.BlockData as Uint8Array));
    expect(bytes[0].equals(bytes[2])).toBe(true);
    expect(calls.filter((c) => c.BlockIndex === 0)).toHaveLength(2);
    expect(
      ebs.commandCalls(CompleteSnapshotCommand)[0].args[0].input
        .ChangedBlocksCount,
    ).toBe(4);
    expect(logger.text()).toMatch(
      /block 2: RequestThrottledException on attempt 1/,
    );
  });

  it('resends StartSnapshot after a 5xx with the same ClientToken', async () => {
    mockHappyPath();
    ebs
      .on(StartSnapshotCommand)
      .rejectsOnce(
        new InternalServerException({
          $metadata: { httpStatusCode: 500 },
          message: 'oops',
        }),
      )
      .resolves({ SnapshotId: 'snap-1', BlockSize: BLOCK });
    const aws = await provider();
    await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    });
    const tokens = ebs
      .commandCalls(StartSnapshotCommand)
      .map((c) => c.args[0].input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  it('gives up on a block after the attempt limit and deletes the snapshot', async () => {
    mockHappyPath();
    ec2.on(DeleteSnapshotCommand).resolves({});
    ebs.on(PutSnapshotBlockCommand, { BlockIndex: 5 }).rejects(
      new RequestThrottledException({
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );
    const aws = await provider();
    const err = await aws
      .createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_THROTTLED', retryable: true });
    expect((err as Error).message).toMatch(
      /uploading block 5 of sf-console to snap-1/,
    );
    expect(
      ebs.commandCalls(PutSnapshotBlockCommand, { BlockIndex: 5 }),
    ).toHaveLength(8);
    expect(ebs.commandCalls(CompleteSnapshotCommand)).toHaveLength(0);
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0].args[0].input.SnapshotId,
    ).toBe('snap-1');
  });

  it('reports a snapshot that ends in error at once, with its StateMessage', async () => {
    mockHappyPath();
    ec2.on(DeleteSnapshotCommand).resolves({});
    ec2
      .on(DescribeSnapshotsCommand)
      .resolvesOnce({ Snapshots: [{ State: 'pending', Progress: '10%' }] })
      .resolves({
        Snapshots: [{ State: 'error', StateMessage: 'checksum mismatch' }],
      });
    const aws = await provider();
    const err = await aws
      .createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_SNAPSHOT_FAILED' });
    expect((err as Error).message).toBe(
      'snapshot snap-1 of sf-console ended in state error: checksum mismatch',
    );
    expect(ec2.commandCalls(DescribeSnapshotsCommand)).toHaveLength(2);
    expect(ec2.commandCalls(RegisterImageCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DeleteSnapshotCommand)).toHaveLength(1);
  });

  it('refuses an existing AMI name without force and replaces it with force', async () => {
    mockHappyPath();
    const old = {
      ImageId: 'ami-old',
      Name: 'sf-console',
      Tags: [{ Key: 'skiff:managed', Value: 'true' }],
      BlockDeviceMappings: [
        { DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-old' } },
      ],
    };
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [old] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    const aws = await provider();
    const opts = {
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    };
    await expect(aws.createImage(opts)).rejects.toMatchObject({
      code: 'IMAGE_EXISTS',
      hint: expect.stringContaining('--force'),
    });
    expect(ebs.commandCalls(StartSnapshotCommand)).toHaveLength(0);

    await aws.createImage({ ...opts, force: true });
    expect(
      ec2.commandCalls(DeregisterImageCommand)[0].args[0].input.ImageId,
    ).toBe('ami-old');
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0].args[0].input.SnapshotId,
    ).toBe('snap-old');
    // The name must be free to register; the old snapshot goes last.
    expect(ec2Order()).toEqual([
      'DeregisterImageCommand',
      'RegisterImageCommand',
      'DeleteSnapshotCommand',
    ]);
  });

  it('keeps the new AMI and its snapshot when the old snapshot cannot be deleted', async () => {
    mockHappyPath();
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [oldImage] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2
      .on(DeleteSnapshotCommand)
      .rejects(
        ec2Error(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation.',
        ),
      );
    const logger = new RecordingLogger();
    const aws = await provider(logger);
    const info = await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
      force: true,
    });

    expect(info).toMatchObject({ id: 'ami-1', status: 'available' });
    const deleted = ec2
      .commandCalls(DeleteSnapshotCommand)
      .map((c) => c.args[0].input.SnapshotId);
    expect(deleted).toEqual(['snap-old']);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message).join('\n')).toContain(
      'aws ec2 delete-snapshot --snapshot-id snap-old --region us-east-1',
    );
  });

  it('waits for the old snapshot to be released by the deregistered AMI', async () => {
    mockHappyPath();
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [oldImage] });
    ec2.on(DeregisterImageCommand).resolves({});
    const inUse = ec2Error(
      'InvalidSnapshot.InUse',
      'The snapshot snap-old is currently in use by ami-old',
    );
    ec2
      .on(DeleteSnapshotCommand)
      .rejectsOnce(inUse)
      .rejectsOnce(inUse)
      .resolves({});
    const logger = new RecordingLogger();
    const aws = await provider(logger);
    await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
      force: true,
    });

    expect(ec2.commandCalls(DeleteSnapshotCommand)).toHaveLength(3);
    expect(logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('keeps the old snapshot, and says so, when registering the new AMI fails', async () => {
    mockHappyPath();
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [oldImage] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    ec2
      .on(RegisterImageCommand)
      .rejects(ec2Error('InvalidParameterValue', 'bad root device'));
    const logger = new RecordingLogger();
    const aws = await provider(logger);
    await expect(
      aws.createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
        force: true,
      }),
    ).rejects.toMatchObject({ code: 'AWS_API_ERROR' });

    const deleted = ec2
      .commandCalls(DeleteSnapshotCommand)
      .map((c) => c.args[0].input.SnapshotId);
    expect(deleted).toEqual(['snap-1']);
    expect(logger.text()).toContain(
      'old AMI sf-console (ami-old) was deregistered; its snapshot ' +
        'snap-old is kept: `skiff image delete -t aws sf-console`',
    );
  });

  it('refuses a taken AMI name before the build, unless forced', async () => {
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [oldImage] });
    const keys = {
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE0000',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-name-check',
    };
    const aws = await createAwsProvider(makeCtx(keys), makeCloud(), FAST);

    await expect(
      aws.checkCreateImage({ name: 'sf-console' }),
    ).rejects.toMatchObject({
      code: 'IMAGE_EXISTS',
      message: 'AMI "sf-console" already exists (ami-old)',
    });
    await aws.checkCreateImage({ name: 'sf-console', force: true });
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [{ ...oldImage, Tags: [] }] });
    await expect(
      aws.checkCreateImage({ name: 'sf-console', force: true }),
    ).rejects.toMatchObject({ code: 'AWS_IMAGE_NAME_TAKEN' });
    expect(ebs.calls()).toHaveLength(0);
  });

  it('keeps the old AMI when the replacement fails to upload', async () => {
    mockHappyPath();
    const old = {
      ImageId: 'ami-old',
      Name: 'sf-console',
      Tags: [{ Key: 'skiff:managed', Value: 'true' }],
    };
    ec2
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [old] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    const denied = Object.assign(new Error('not allowed'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    ebs.on(PutSnapshotBlockCommand).rejects(denied);
    const aws = await provider();
    await expect(
      aws.createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
        force: true,
      }),
    ).rejects.toThrow();
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RegisterImageCommand)).toHaveLength(0);
  });

  it('deregisters an AMI that ends failed and deletes its snapshot', async () => {
    mockHappyPath();
    ec2.on(DescribeImagesCommand, { ImageIds: ['ami-1'] }).resolves({
      Images: [
        {
          ImageId: 'ami-1',
          State: 'failed',
          StateReason: { Message: 'Client.InvalidSnapshot' },
        },
      ],
    });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    const aws = await provider();
    const err = await aws
      .createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
      })
      .catch((e: unknown) => e);

    expect(err).toMatchObject({
      code: 'AWS_IMAGE_FAILED',
      message: expect.stringContaining('Client.InvalidSnapshot'),
    });
    expect(
      ec2.commandCalls(DeregisterImageCommand)[0]!.args[0].input.ImageId,
    ).toBe('ami-1');
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0]!.args[0].input.SnapshotId,
    ).toBe('snap-1');
  });

  it('gives the upload, the snapshot and the AMI one ImageTimeoutSeconds together', async () => {
    mockHappyPath();
    const begun = Date.now();
    // The snapshot takes 1.5 s of the 2 s; the AMI never becomes available.
    ec2.on(DescribeSnapshotsCommand).callsFake(() => ({
      Snapshots: [
        { State: Date.now() - begun < 1_500 ? 'pending' : 'completed' },
      ],
    }));
    ec2
      .on(DescribeImagesCommand, { ImageIds: ['ami-1'] })
      .resolves({ Images: [{ ImageId: 'ami-1', State: 'pending' }] });
    const logger = new RecordingLogger();
    const aws = await createAwsProvider(
      makeCtx({}, logger),
      makeCloud({ imageTimeoutSeconds: 2 }),
      FAST,
    );
    const info = await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    });

    expect(info.status).toBe('pending');
    // Each wait with a budget of its own would take 3.5 s or more.
    expect(Date.now() - begun).toBeLessThan(3_000);
    expect(logger.text()).toContain('AMI ami-1 is still pending');
  });

  it('registers UEFI images as uefi and grows the root volume to BaseVolumeSz', async () => {
    mockHappyPath();
    const aws = await provider();
    await aws.createImage({
      name: 'sf-uefi',
      image: { ...fixture.image, uefi: true },
      config: makeConfig(3 * 1024 ** 3 + 1),
    });
    const reg = ec2.commandCalls(RegisterImageCommand)[0].args[0].input;
    expect(reg.BootMode).toBe('uefi');
    expect(reg.BlockDeviceMappings?.[0].Ebs?.VolumeSize).toBe(4);
  });

  it('encrypts with CloudConfig.KMS and carries CloudConfig.Tags and Labels', async () => {
    mockHappyPath();
    const cloud = makeCloud({
      kms: 'arn:aws:kms:us-east-1:111122223333:key/k',
      labels: { team: 'web' },
      tags: [{ key: 'env', value: 'prod' }],
    });
    const aws = await createAwsProvider(makeCtx(), cloud, FAST);
    await aws.createImage({
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    });
    const start = ebs.commandCalls(StartSnapshotCommand)[0].args[0].input;
    expect(start).toMatchObject({
      Encrypted: true,
      KmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k',
    });
    expect(start.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'web' },
        { Key: 'env', Value: 'prod' },
        { Key: 'Name', Value: 'sf-console' },
      ]),
    );
    const reg = ec2.commandCalls(RegisterImageCommand)[0].args[0].input;
    expect(reg.TagSpecifications?.[0].Tags).toContainEqual({
      Key: 'env',
      Value: 'prod',
    });
  });

  it('rejects a bad upload route and a missing bucket before any call', async () => {
    const aws = await provider();
    const base = {
      name: 'sf-console',
      image: fixture.image,
      config: makeConfig(),
    };
    await expect(
      aws.createImage({ ...base, options: { upload: 'ftp' } }),
    ).rejects.toMatchObject({
      code: 'AWS_UPLOAD_ROUTE_INVALID',
    });
    await expect(
      aws.createImage({ ...base, options: { upload: 's3' } }),
    ).rejects.toMatchObject({
      code: 'AWS_BUCKET_REQUIRED',
      hint: expect.stringContaining('--bucketname'),
    });
    await expect(aws.createImage({ ...base, name: 'x' })).rejects.toMatchObject(
      {
        code: 'AWS_IMAGE_NAME_INVALID',
      },
    );
    expect(ec2.calls()).toHaveLength(0);
    expect(ebs.calls()).toHaveLength(0);
  });

  it('gives the snapshot the ImageTimeoutSeconds, within what EBS takes', async () => {
    const timeouts: number[] = [];
    for (const seconds of [30, 7200, 10 ** 6]) {
      mockHappyPath();
      const aws = await createAwsProvider(
        makeCtx(),
        makeCloud({ imageTimeoutSeconds: seconds }),
        FAST,
      );
      await aws.createImage({
        name: 'sf-console',
        image: fixture.image,
        config: makeConfig(),
      });
      const start = ebs.commandCalls(StartSnapshotCommand).at(-1);
      timeouts.push(start!.args[0].input.Timeout!);
    }
    // Minutes: EBS accepts 10 to 4320.
    expect(timeouts).toEqual([10, 120, 4320]);
  });
});
