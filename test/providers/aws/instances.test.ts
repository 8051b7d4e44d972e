// Instance create/delete/start/stop sequences and permission errors, with
// EC2 mocked at the SDK boundary.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../providers/aws/index.js';
import { RecordingLogger } from '../../../src/log.js';
import { parsePortSpec } from '../../../src/config/ports.js';
import {
  formatPorts,
  parsePorts,
  toInstanceInfo,
} from '../../../providers/aws/instances.js';
import { FAST, makeCloud, makeConfig, makeCtx } from './helpers.js';

const ec2 = mockClient(EC2Client);

function ec2Error(name: string, message: string, status = 400) {
  return new EC2ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

const IMAGE = {
  ImageId: 'ami-1',
  Name: 'sf-console',
  Architecture: 'x86_64' as const,
  RootDeviceName: '/dev/sda1',
  Tags: [{ Key: 'skiff:managed', Value: 'true' }],
  BlockDeviceMappings: [
    { DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-1', VolumeSize: 1 } },
  ],
};

const RUNNING = {
  InstanceId: 'i-1',
  ImageId: 'ami-1',
  State: { Name: 'running' as const },
  LaunchTime: new Date('2026-01-01T00:00:00Z'),
  Tags: [
    { Key: 'Name', Value: 'sf' },
    { Key: 'skiff:managed', Value: 'true' },
    { Key: 'skiff:image', Value: 'sf-console' },
    { Key: 'skiff:ports', Value: 'tcp:80' },
    { Key: 'skiff:security-group', Value: 'sg-1' },
  ],
};

function mockLaunch() {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [IMAGE] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-d' }] });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: 'subnet-a', VpcId: 'vpc-d' },
      { SubnetId: 'subnet-b', VpcId: 'vpc-d', DefaultForAz: true },
    ],
  });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-1' });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(DeleteSecurityGroupCommand).resolves({});
  ec2.on(RunInstancesCommand).resolves({
    Instances: [{ InstanceId: 'i-1', State: { Name: 'pending' } }],
  });
}

async function provider(zone = 'us-east-2b', logger = new RecordingLogger()) {
  return createAwsProvider(makeCtx({}, logger), makeCloud({ zone }), FAST);
}

const createOpts = {
  name: 'sf',
  imageName: 'sf-console',
  config: makeConfig(3 * 1024 ** 3),
  ports: [
    { protocol: 'tcp' as const, hostPort: 8080, guestPort: 80 },
    { protocol: 'udp' as const, hostPort: 53, guestPort: 53 },
  ],
};

beforeEach(() => ec2.reset());

describe('instance create', () => {
  it('creates skiff-<name> with the ports, then RunInstances on t3.micro in the default VPC', async () => {
    mockLaunch();
    const aws = await provider();
    const info = await aws.createInstance(createOpts);
    expect(info).toMatchObject({
      name: 'sf',
      image: 'sf-console',
      id: 'i-1',
      state: 'pending',
    });

    expect(
      ec2.commandCalls(DescribeVpcsCommand)[0].args[0].input.Filters,
    ).toEqual([{ Name: 'isDefault', Values: ['true'] }]);
    expect(
      ec2.commandCalls(DescribeSubnetsCommand)[0].args[0].input.Filters,
    ).toEqual([
      { Name: 'vpc-id', Values: ['vpc-d'] },
      { Name: 'availability-zone', Values: ['us-east-2b'] },
    ]);
    const sg = ec2.commandCalls(CreateSecurityGroupCommand)[0].args[0].input;
    expect(sg).toMatchObject({ GroupName: 'skiff-sf', VpcId: 'vpc-d' });
    const rules = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]
      .args[0].input.IpPermissions;
    expect(rules?.map((r) => [r.IpProtocol, r.FromPort, r.ToPort])).toEqual([
      ['tcp', 80, 80],
      ['udp', 53, 53],
    ]);
    const run = ec2.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(run).toMatchObject({
      ImageId: 'ami-1',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: 'subnet-b',
      SecurityGroupIds: ['sg-1'],
    });
    expect(run.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/sda1',
        Ebs: { VolumeSize: 3, VolumeType: 'gp3', DeleteOnTermination: true },
      },
    ]);
    const tags = run.TagSpecifications?.find(
      (t) => t.ResourceType === 'instance',
    )?.Tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'Name', Value: 'sf' },
        { Key: 'skiff:managed', Value: 'true' },
        { Key: 'skiff:image', Value: 'sf-console' },
        { Key: 'skiff:ports', Value: 'tcp:80,udp:53' },
        { Key: 'skiff:security-group', Value: 'sg-1' },
      ]),
    );
  });

  it('opens a port range as one rule and keeps it short in the tag', async () => {
    mockLaunch();
    const aws = await provider();
    await aws.createInstance({
      ...createOpts,
      ports: [...parsePortSpec('8000-8099'), ...parsePortSpec('53/udp')],
    });

    const rules = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]!
      .args[0].input.IpPermissions;
    expect(rules?.map((r) => [r.IpProtocol, r.FromPort, r.ToPort])).toEqual([
      ['tcp', 8000, 8099],
      ['udp', 53, 53],
    ]);
    const tags = ec2
      .commandCalls(RunInstancesCommand)[0]!
      .args[0].input.TagSpecifications?.find(
        (t) => t.ResourceType === 'instance',
      )?.Tags;
    expect(tags).toContainEqual({
      Key: 'skiff:ports',
      Value: 'tcp:8000-8099,udp:53',
    });
  });

  it("makes a leftover group's rules match the ports asked for", async () => {
    mockLaunch();
    ec2
      .on(CreateSecurityGroupCommand)
      .rejects(ec2Error('InvalidGroup.Duplicate', 'The security group exists'));
    const open = (protocol: string, port: number) => ({
      IpProtocol: protocol,
      FromPort: port,
      ToPort: port,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-old',
          Tags: [{ Key: 'skiff:managed', Value: 'true' }],
          IpPermissions: [open('tcp', 22), open('tcp', 80)],
        },
      ],
    });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    const aws = await provider();
    await aws.createInstance(createOpts);

    const revoked = ec2.commandCalls(RevokeSecurityGroupIngressCommand);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]!.args[0].input).toEqual({
      GroupId: 'sg-old',
      IpPermissions: [open('tcp', 22)],
    });
    const added = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand);
    expect(
      added[0]!.args[0].input.IpPermissions?.map((r) => [
        r.IpProtocol,
        r.FromPort,
      ]),
    ).toEqual([['udp', 53]]);
    expect(
      ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input.SecurityGroupIds,
    ).toEqual(['sg-old']);
  });

  it('takes --flavor over CloudConfig.Flavor', async () => {
    mockLaunch();
    const aws = await createAwsProvider(
      makeCtx(),
      makeCloud({ flavor: 'm5.large' }),
      FAST,
    );
    await aws.createInstance({ ...createOpts, flavor: 'c5.large' });
    expect(
      ec2.commandCalls(RunInstancesCommand)[0].args[0].input.InstanceType,
    ).toBe('c5.large');
  });

  it('names the action decoded from the EC2 message and removes the group it made', async () => {
    mockLaunch();
    ec2
      .on(RunInstancesCommand)
      .rejects(
        ec2Error(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/ci ' +
            'is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-2:123456789012:instance/* ' +
            'because no identity-based policy allows the ec2:RunInstances action. ' +
            'Encoded authorization failure message: QWxhZGRpbjpvcGVu',
          403,
        ),
      );
    const aws = await provider();
    const err = await aws.createInstance(createOpts).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_ACCESS_DENIED', status: 403 });
    expect((err as Error).message).toBe(
      'starting instance sf from AMI sf-console: access denied for ec2:RunInstances (UnauthorizedOperation)',
    );
    expect((err as { hint: string }).hint).toContain(
      'aws sts decode-authorization-message --encoded-message QWxhZGRpbjpvcGVu',
    );
    expect(
      ec2.commandCalls(DeleteSecurityGroupCommand)[0].args[0].input.GroupId,
    ).toBe('sg-1');
  });

  it('falls back to the called action when the message does not name one (ops#1467)', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(
        ec2Error(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation.',
          403,
        ),
      );
    const aws = await provider('us-east-2');
    const err = await aws.listInstances().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_ACCESS_DENIED' });
    expect((err as Error).message).toContain('ec2:DescribeInstances');
    expect((err as Error).message).not.toMatch(/region/i);
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(0);
  });

  it('refuses a second instance of the same name and a missing image', async () => {
    mockLaunch();
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [RUNNING] }] });
    const aws = await provider();
    await expect(aws.createInstance(createOpts)).rejects.toMatchObject({
      code: 'INSTANCE_EXISTS',
    });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    await expect(aws.createInstance(createOpts)).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
    });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});

describe('instance delete, stop', () => {
  it('terminates, waits for terminated, then deletes the group once it is free', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [RUNNING] }] });
    ec2
      .on(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
      .resolvesOnce({
        Reservations: [
          { Instances: [{ ...RUNNING, State: { Name: 'shutting-down' } }] },
        ],
      })
      .resolves({
        Reservations: [
          { Instances: [{ ...RUNNING, State: { Name: 'terminated' } }] },
        ],
      });
    ec2.on(TerminateInstancesCommand).resolves({});
    ec2
      .on(DeleteSecurityGroupCommand)
      .rejectsOnce(
        ec2Error('DependencyViolation', 'resource sg-1 has a dependent object'),
      )
      .resolves({});
    const aws = await provider();
    await aws.deleteInstance('sf');
    expect(
      ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input.InstanceIds,
    ).toEqual(['i-1']);
    expect(
      ec2.commandCalls(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
        .length,
    ).toBeGreaterThanOrEqual(2);
    const deletes = ec2.commandCalls(DeleteSecurityGroupCommand);
    expect(deletes).toHaveLength(2);
    expect(deletes[1].args[0].input.GroupId).toBe('sg-1');
  });

  it('stops by instance id, waits for stopped, and names an unknown instance', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [RUNNING] }] });
    ec2
      .on(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
      .resolvesOnce({
        Reservations: [
          { Instances: [{ ...RUNNING, State: { Name: 'stopping' } }] },
        ],
      })
      .resolves({
        Reservations: [
          { Instances: [{ ...RUNNING, State: { Name: 'stopped' } }] },
        ],
      });
    ec2.on(StopInstancesCommand).resolves({});
    const aws = await provider();
    await aws.stopInstance('sf');
    expect(
      ec2.commandCalls(StopInstancesCommand)[0].args[0].input.InstanceIds,
    ).toEqual(['i-1']);
    expect(
      ec2.commandCalls(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
        .length,
    ).toBe(2);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(aws.stopInstance('nope')).rejects.toMatchObject({
      code: 'INSTANCE_NOT_FOUND',
      message: 'no AWS instance named "nope"',
    });
  });
});

describe('the skiff:ports tag', () => {
  it('reads the per-port form and the range form back', () => {
    const expanded = parsePorts('tcp:80,tcp:81,udp:53');
    expect(expanded).toEqual([
      ...parsePortSpec('80-81'),
      ...parsePortSpec('53/udp'),
    ]);
    expect(parsePorts('tcp:8000-8099,udp:53')).toEqual([
      ...parsePortSpec('8000-8099'),
      ...parsePortSpec('53/udp'),
    ]);
    const info = toInstanceInfo({
      ...RUNNING,
      Tags: [{ Key: 'skiff:ports', Value: 'tcp:8000-8002' }],
    });
    expect(info.ports.map((p) => p.guestPort)).toEqual([8000, 8001, 8002]);
  });

  it('stays within the 256 characters of an EC2 tag value', () => {
    // Every other port: nothing to merge, far too long for one tag.
    const scattered = Array.from({ length: 200 }, (_, i) => ({
      protocol: 'tcp' as const,
      hostPort: 10000 + 2 * i,
      guestPort: 10000 + 2 * i,
    }));
    const tag = formatPorts(scattered);
    expect(tag.length).toBeLessThanOrEqual(256);
    expect(tag).toMatch(/^tcp:10000,tcp:10002,.*,\.\.\.$/);
    const back = parsePorts(tag);
    expect(back.length).toBeGreaterThan(10);
    expect(scattered).toEqual(expect.arrayContaining(back));
  });
});
