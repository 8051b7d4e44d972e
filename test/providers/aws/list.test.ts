// image list / instance list: every page, only Skiff's own resources.
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type DescribeImagesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../providers/aws/index.js';
import { RecordingLogger } from '../../../src/log.js';
import { FAST, makeCloud, makeCtx } from './helpers.js';

const ec2 = mockClient(EC2Client);
const managed = { Key: 'skiff:managed', Value: 'true' };

function image(n: number) {
  return {
    ImageId: `ami-${n}`,
    Name: `img-${n}`,
    State: 'available' as const,
    Tags: [managed],
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/sda1',
        Ebs: { SnapshotId: `snap-${n}`, VolumeSize: 2 },
      },
    ],
  };
}

function instance(n: number) {
  return {
    InstanceId: `i-${n}`,
    ImageId: 'ami-1',
    State: { Name: 'running' as const },
    PublicIpAddress: `203.0.113.${n}`,
    Tags: [
      { Key: 'Name', Value: `web-${n}` },
      managed,
      { Key: 'skiff:image', Value: 'img-1' },
      { Key: 'skiff:ports', Value: 'tcp:80,udp:53' },
    ],
  };
}

async function provider(logger = new RecordingLogger()) {
  return createAwsProvider(makeCtx({}, logger), makeCloud(), FAST);
}

/** DescribeImages by name answers `byName`; by snapshot, `bySnapshot`. */
function describeImages(byName: object[], bySnapshot: object[] = []) {
  ec2
    .on(DescribeImagesCommand)
    .callsFake((input: DescribeImagesCommandInput) => {
      const filter = input.Filters?.[0]?.Name;
      return {
        Images:
          filter === 'block-device-mapping.snapshot-id' ? bySnapshot : byName,
      };
    });
}

beforeEach(() => ec2.reset());

describe('list', () => {
  it('follows NextToken through every page of images, asking for own and tagged ones', async () => {
    // The paginator reuses one input object: record it at call time.
    const pages = [
      { Images: [image(2), image(1)], NextToken: 'page-2' },
      { Images: [image(3)], NextToken: 'page-3' },
      { Images: [image(4)] },
    ];
    const inputs: Array<{
      NextToken?: string;
      Owners?: string[];
      Filters?: unknown[];
    }> = [];
    ec2.on(DescribeImagesCommand).callsFake((input) => {
      inputs.push({ ...input });
      return pages[inputs.length - 1];
    });
    const list = await (await provider()).listImages();
    expect(list.map((i) => i.name)).toEqual([
      'img-1',
      'img-2',
      'img-3',
      'img-4',
    ]);
    expect(list[0]).toMatchObject({
      id: 'ami-1',
      target: 'aws',
      status: 'available',
      sizeBytes: 2 * 1024 ** 3,
    });
    expect(inputs.map((i) => i.NextToken)).toEqual([
      undefined,
      'page-2',
      'page-3',
    ]);
    for (const input of inputs) {
      expect(input.Owners).toEqual(['self']);
      expect(input.Filters).toContainEqual({
        Name: 'tag:skiff:managed',
        Values: ['true'],
      });
    }
  });

  it('follows NextToken through every page of instances, skipping terminated ones', async () => {
    const pages = [
      {
        Reservations: [
          { Instances: [instance(1)] },
          { Instances: [instance(2)] },
        ],
        NextToken: 't',
      },
      { Reservations: [{ Instances: [instance(3)] }] },
    ];
    const inputs: Array<{
      NextToken?: string;
      Filters?: Array<{ Name?: string; Values?: string[] }>;
    }> = [];
    ec2.on(DescribeInstancesCommand).callsFake((input) => {
      inputs.push({ ...input });
      return pages[inputs.length - 1];
    });
    const list = await (await provider()).listInstances();
    expect(list.map((i) => i.name)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(list[0]).toMatchObject({
      id: 'i-1',
      image: 'img-1',
      state: 'running',
      publicIp: '203.0.113.1',
      ports: [
        { protocol: 'tcp', hostPort: 80, guestPort: 80 },
        { protocol: 'udp', hostPort: 53, guestPort: 53 },
      ],
    });
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, 't']);
    expect(inputs[0].Filters).toContainEqual({
      Name: 'tag:skiff:managed',
      Values: ['true'],
    });
    const states = inputs[0].Filters?.find(
      (f) => f.Name === 'instance-state-name',
    )?.Values;
    expect(states).not.toContain('terminated');
  });
});

describe('image delete', () => {
  it('deregisters the AMI and deletes its snapshot', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image(1)] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    await (await provider()).deleteImage('img-1');
    expect(
      ec2.commandCalls(DeregisterImageCommand)[0].args[0].input.ImageId,
    ).toBe('ami-1');
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0].args[0].input.SnapshotId,
    ).toBe('snap-1');
  });

  it('refuses while an instance uses it, unless forced, and ignores AMIs not made by Skiff', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [image(1)] });
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance(7)] }] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    const aws = await provider();
    await expect(aws.deleteImage('img-1')).rejects.toMatchObject({
      code: 'IMAGE_IN_USE',
      message: 'image "img-1" is used by instance(s) web-7',
    });
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    await aws.deleteImage('img-1', { force: true });
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(1);

    ec2
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ...image(5), Tags: [] }] });
    await expect(aws.deleteImage('img-5')).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
    });
  });

  it('says how to finish when the snapshot cannot be deleted, and a rerun finishes', async () => {
    describeImages([image(1)]);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).rejects(
      Object.assign(
        new Error('You are not authorized to perform this operation.'),
        {
          name: 'UnauthorizedOperation',
          $metadata: { httpStatusCode: 403 },
        },
      ),
    );
    const aws = await provider();
    const err = await aws.deleteImage('img-1').catch((e: unknown) => e);

    expect(err).toMatchObject({
      code: 'AWS_SNAPSHOT_LEFT',
      message: expect.stringMatching(
        new RegExp(
          '^AMI img-1 \\(ami-1\\) is deregistered, but snapshot snap-1 ' +
            'could not be deleted: .*ec2:DeleteSnapshot',
        ),
      ),
      hint:
        'delete it with `aws ec2 delete-snapshot --snapshot-id snap-1 ' +
        '--region us-east-1`, or run `skiff image delete -t aws img-1` again',
    });

    // The AMI is gone now; the snapshot, tagged for img-1, is not.
    ec2.reset();
    describeImages([]);
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }],
    });
    ec2.on(DeleteSnapshotCommand).resolves({});
    const logger = new RecordingLogger();
    await (await provider(logger)).deleteImage('img-1');

    const query = ec2.commandCalls(DescribeSnapshotsCommand)[0]!.args[0].input;
    expect(query.OwnerIds).toEqual(['self']);
    expect(query.Filters).toEqual(
      expect.arrayContaining([
        { Name: 'tag:skiff:managed', Values: ['true'] },
        { Name: 'tag:skiff:image', Values: ['img-1'] },
      ]),
    );
    expect(
      ec2.commandCalls(DeleteSnapshotCommand)[0]!.args[0].input.SnapshotId,
    ).toBe('snap-1');
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(logger.text()).toContain('AMI img-1 is already deregistered');
  });

  it('leaves a tagged snapshot that another AMI uses, and then finds nothing', async () => {
    describeImages([], [image(2)]);
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: 'snap-2', State: 'completed' }],
    });
    ec2.on(DeleteSnapshotCommand).resolves({});
    await expect((await provider()).deleteImage('img-1')).rejects.toMatchObject(
      { code: 'IMAGE_NOT_FOUND' },
    );
    expect(ec2.commandCalls(DeleteSnapshotCommand)).toHaveLength(0);
  });
});
