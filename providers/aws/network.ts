// Which VPC and subnet an instance goes into: CloudConfig.Subnet, else
// CloudConfig.VPC, else the region's default VPC.
import {
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { UserError } from '../../src/errors.js';
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import { awsStep } from './errors.js';

export interface ResolvedNetwork {
  vpcId: string;
  subnetId: string;
}

/** An id (`subnet-…`, `vpc-…`) or else a Name tag. */
function byIdOrName(
  value: string,
  prefix: string,
): {
  ids?: string[];
  filters?: Filter[];
} {
  return value.startsWith(prefix)
    ? { ids: [value] }
    : { filters: [{ Name: 'tag:Name', Values: [value] }] };
}

export async function resolveNetwork(
  ec2: EC2Client,
  cloud: ResolvedCloudConfig,
  availabilityZone: string | undefined,
): Promise<ResolvedNetwork> {
  if (cloud.subnet) {
    const q = byIdOrName(cloud.subnet, 'subnet-');
    const subnets = await describeSubnets(ec2, {
      SubnetIds: q.ids,
      Filters: q.filters,
    });
    const subnet = subnets[0];
    if (!subnet?.SubnetId || !subnet.VpcId) {
      throw new UserError(
        'AWS_SUBNET_NOT_FOUND',
        `subnet "${cloud.subnet}" (CloudConfig.Subnet) was not found`,
        { hint: 'set CloudConfig.Subnet to a subnet id or Name tag' },
      );
    }
    return { vpcId: subnet.VpcId, subnetId: subnet.SubnetId };
  }

  const vpcId = await resolveVpc(ec2, cloud.vpc);
  const filters: Filter[] = [{ Name: 'vpc-id', Values: [vpcId] }];
  if (availabilityZone) {
    filters.push({ Name: 'availability-zone', Values: [availabilityZone] });
  }
  const subnets = await describeSubnets(ec2, { Filters: filters });
  const subnet = subnets.find((s) => s.DefaultForAz) ?? subnets[0];
  if (!subnet?.SubnetId) {
    throw new UserError(
      'AWS_SUBNET_NOT_FOUND',
      `no subnet in ${vpcId}` +
        (availabilityZone ? ` in zone ${availabilityZone}` : ''),
      { hint: 'set CloudConfig.Subnet, or a Zone where the VPC has one' },
    );
  }
  return { vpcId, subnetId: subnet.SubnetId };
}

async function resolveVpc(
  ec2: EC2Client,
  vpc: string | undefined,
): Promise<string> {
  const q = vpc
    ? byIdOrName(vpc, 'vpc-')
    : { filters: [{ Name: 'isDefault', Values: ['true'] }] };
  const out = await awsStep(
    vpc ? `looking up VPC ${vpc}` : 'looking up the default VPC',
    'ec2:DescribeVpcs',
    () =>
      ec2.send(new DescribeVpcsCommand({ VpcIds: q.ids, Filters: q.filters })),
  );
  const found = out.Vpcs?.[0]?.VpcId;
  if (found) return found;
  throw vpc
    ? new UserError(
        'AWS_VPC_NOT_FOUND',
        `VPC "${vpc}" (CloudConfig.VPC) was not found`,
        { hint: 'set CloudConfig.VPC to a VPC id or Name tag' },
      )
    : new UserError('AWS_NO_DEFAULT_VPC', 'this region has no default VPC', {
        hint: 'set CloudConfig.VPC or CloudConfig.Subnet',
      });
}

async function describeSubnets(
  ec2: EC2Client,
  input: { SubnetIds?: string[]; Filters?: Filter[] },
): Promise<Subnet[]> {
  const out = await awsStep('looking up subnets', 'ec2:DescribeSubnets', () =>
    ec2.send(new DescribeSubnetsCommand(input)),
  );
  return out.Subnets ?? [];
}
