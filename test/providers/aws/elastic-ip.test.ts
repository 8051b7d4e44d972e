// CloudConfig.StaticIP and EnableIPv6 on AWS, with EC2 mocked at the SDK
// boundary: the lookup before anything is made, the association once the
// instance runs, the cleanup when it fails, and the ports open to IPv6.
import {
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type DescribeAddressesCommandOutput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../providers/aws/index.js';
import type { ResolvedCloudConfig } from '../../../src/config/types.js';
import { RecordingLogger } from '../../../src/log.js';
import { FAST, makeCloud, makeConfig, makeCtx } from './helpers.js';

const ec2 = mockClient(EC2Client);
const IP = '198.51.100.20';

function ec2Error(name: string, message: string, status = 400) {
  return new EC2ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

const described = (state: 'running' | 'terminated') => ({
  Reservations: [
    { Instances: [{ InstanceId: 'i-1', State: { Name: state } }] },
  ],
});

function mockLaunch() {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2
    .on(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
    .resolves(described('running'));
  ec2.on(DescribeImagesCommand).resolves({
    Images: [
      {
        ImageId: 'ami-1',
        Name: 'app',
        RootDeviceName: '/dev/sda1',
        Tags: [{ Key: 'skiff:managed', Value: 'true' }],
      },
    ],
  });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-d' }] });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [{ SubnetId: 'subnet-a', VpcId: 'vpc-d', DefaultForAz: true }],
  });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-1' });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(DeleteSecurityGroupCommand).resolves({});
  ec2.on(RunInstancesCommand).resolves({
    Instances: [{ InstanceId: 'i-1', State: { Name: 'pending' } }],
  });
  ec2.on(DescribeAddressesCommand).resolves({
    Addresses: [{ PublicIp: IP, AllocationId: 'eipalloc-1', Domain: 'vpc' }],
  });
  ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-1' });
  ec2.on(TerminateInstancesCommand).resolves({});
}

async function create(
  cloud: Partial<ResolvedCloudConfig>,
  logger = new RecordingLogger(),
) {
  const aws = await createAwsProvider(
    makeCtx({}, logger),
    makeCloud({ zone: 'us-east-2b', ...cloud }),
    FAST,
  );
  return aws.createInstance({
    name: 'sf',
    imageName: 'app',
    config: makeConfig(),
    ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
  });
}

/** The IpPermissions of the one AuthorizeSecurityGroupIngress. */
function ingress() {
  const calls = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input.IpPermissions;
}

/** The position of each command in the calls EC2 received. */
function order(...commands: Array<new (input: never) => object>): number[] {
  const calls = ec2.calls();
  return commands.map((c) =>
    calls.findIndex((call) => call.args[0] instanceof c),
  );
}

beforeEach(() => ec2.reset());

describe('AWS StaticIP and EnableIPv6', () => {
  it('neither set: no address lookup, no association, no IPv6', async () => {
    mockLaunch();
    await create({});
    expect(ec2.commandCalls(DescribeAddressesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
    const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run.Ipv6AddressCount).toBeUndefined();
    expect(ingress()).toEqual([
      expect.not.objectContaining({ Ipv6Ranges: expect.anything() }),
    ]);
  });

  it('asks for one IPv6 address beside the subnet and group', async () => {
    mockLaunch();
    await create({ enableIpv6: true });
    const run = ec2.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run).toMatchObject({
      Ipv6AddressCount: 1,
      SubnetId: 'subnet-a',
      SecurityGroupIds: ['sg-1'],
    });
    expect(run.NetworkInterfaces).toBeUndefined();
    expect(ingress()).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'skiff tcp:80' }],
        Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'skiff tcp:80' }],
      },
    ]);
  });

  it('opens IPv6 too in a leftover group that had IPv4 only', async () => {
    mockLaunch();
    ec2
      .on(CreateSecurityGroupCommand)
      .rejects(ec2Error('InvalidGroup.Duplicate', 'The security group exists'));
    const v4only = {
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    };
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-old',
          Tags: [{ Key: 'skiff:managed', Value: 'true' }],
          IpPermissions: [v4only],
        },
      ],
    });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    await create({ enableIpv6: true });
    expect(
      ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]!.args[0].input,
    ).toEqual({ GroupId: 'sg-old', IpPermissions: [v4only] });
    expect(ingress()).toEqual([
      expect.objectContaining({
        FromPort: 80,
        Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'skiff tcp:80' }],
      }),
    ]);
  });

  it('looks the address up first, then associates it once running', async () => {
    mockLaunch();
    const info = await create({ staticIp: IP });
    expect(
      ec2.commandCalls(DescribeAddressesCommand)[0]!.args[0].input,
    ).toEqual({ PublicIps: [IP] });
    expect(ec2.commandCalls(AssociateAddressCommand)[0]!.args[0].input).toEqual(
      {
        AllocationId: 'eipalloc-1',
        InstanceId: 'i-1',
        AllowReassociation: false,
      },
    );
    const [lookup, sg, run, associate] = order(
      DescribeAddressesCommand,
      CreateSecurityGroupCommand,
      RunInstancesCommand,
      AssociateAddressCommand,
    );
    expect(lookup).toBeLessThan(sg!);
    expect(sg).toBeLessThan(run!);
    expect(run).toBeLessThan(associate!);
    // The association came after EC2 said running.
    const waited = ec2
      .calls()
      .findIndex(
        (c) =>
          c.args[0] instanceof DescribeInstancesCommand &&
          (c.args[0].input as { InstanceIds?: string[] }).InstanceIds?.[0] ===
            'i-1',
      );
    expect(waited).toBeGreaterThan(run!);
    expect(waited).toBeLessThan(associate!);
    expect(info).toMatchObject({ state: 'running', publicIp: IP });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it.each([
    ['a name', 'my-eip'],
    ['a short address', '198.51.100'],
    ['IPv6', '2001:db8::1'],
  ])('refuses %s before any EC2 call', async (_, value) => {
    mockLaunch();
    const err = await create({ staticIp: value }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'STATIC_IP_INVALID',
      message: `CloudConfig.StaticIP "${value}" is not an IPv4 address`,
    });
    expect((err as { hint: string }).hint).toContain(
      'aws ec2 allocate-address',
    );
    expect(ec2.calls()).toHaveLength(0);
  });

  it.each<[string, () => void]>([
    [
      'InvalidAddress.NotFound',
      () =>
        ec2
          .on(DescribeAddressesCommand)
          .rejects(
            ec2Error('InvalidAddress.NotFound', `Address '${IP}' not found.`),
          ),
    ],
    [
      "another account's address",
      () =>
        ec2
          .on(DescribeAddressesCommand)
          .rejects(
            ec2Error(
              'AuthFailure',
              `The address '${IP}' does not belong to you.`,
            ),
          ),
    ],
    [
      'no match',
      () => ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] }),
    ],
  ])('an unknown Elastic IP (%s) creates nothing', async (_, answer) => {
    mockLaunch();
    answer();
    const err = await create({ staticIp: IP }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ELASTIC_IP_NOT_FOUND' });
    expect((err as Error).message).toContain(IP);
    expect((err as { hint: string }).hint).toContain(
      'aws ec2 allocate-address',
    );
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('an address another instance holds creates nothing', async () => {
    mockLaunch();
    const held: Partial<DescribeAddressesCommandOutput> = {
      Addresses: [
        {
          PublicIp: IP,
          AllocationId: 'eipalloc-1',
          AssociationId: 'eipassoc-9',
          InstanceId: 'i-other',
        },
      ],
    };
    ec2.on(DescribeAddressesCommand).resolves(held);
    const err = await create({ staticIp: IP }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ELASTIC_IP_IN_USE',
      message: `CloudConfig.StaticIP ${IP} is already associated with i-other`,
    });
    expect((err as { hint: string }).hint).toContain(
      'aws ec2 disassociate-address --association-id eipassoc-9',
    );
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(0);
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('terminates the instance and removes its group when association fails', async () => {
    mockLaunch();
    ec2
      .on(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
      .resolvesOnce(described('running'))
      .resolves(described('terminated'));
    ec2
      .on(AssociateAddressCommand)
      .rejects(
        ec2Error('Resource.AlreadyAssociated', `resource ${IP} is in use`),
      );
    const logger = new RecordingLogger();
    const err = await create({ staticIp: IP }, logger).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `associating Elastic IP ${IP} with instance sf: ` +
        `Resource.AlreadyAssociated: resource ${IP} is in use`,
    );
    expect(
      ec2.commandCalls(TerminateInstancesCommand)[0]!.args[0].input,
    ).toEqual({ InstanceIds: ['i-1'] });
    expect(
      ec2.commandCalls(DeleteSecurityGroupCommand).at(-1)!.args[0].input,
    ).toEqual({ GroupId: 'sg-1' });
    const [, terminate, dropGroup] = order(
      AssociateAddressCommand,
      TerminateInstancesCommand,
      DeleteSecurityGroupCommand,
    );
    expect(terminate).toBeLessThan(dropGroup!);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('terminating instance sf (i-1)'),
      }),
    );
  });

  it('an instance that never runs is terminated too', async () => {
    mockLaunch();
    ec2
      .on(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
      .resolves(described('terminated'));
    const err = await create({ staticIp: IP }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_INSTANCE_NOT_RUNNING' });
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it('gives the command when the instance cannot be terminated', async () => {
    mockLaunch();
    ec2
      .on(AssociateAddressCommand)
      .rejects(ec2Error('InvalidInstanceID', 'not ready', 400));
    ec2
      .on(TerminateInstancesCommand)
      .rejects(ec2Error('InternalError', 'try later', 500));
    const logger = new RecordingLogger();
    const err = await create({ staticIp: IP }, logger).catch((e: unknown) => e);
    expect((err as Error).message).toContain('associating Elastic IP');
    const warned = logger.lines
      .filter((l) => l.level === 'warn')
      .map((l) => l.message);
    expect(warned).toContainEqual(
      expect.stringContaining(
        'terminate it with: aws ec2 terminate-instances --instance-ids i-1',
      ),
    );
  });
});
