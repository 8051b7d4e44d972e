// One security group per instance, `skiff-<instance>`, opening its ports;
// deleted with the instance (ops left them behind or panicked, §8).
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { UserError } from '../../src/errors.js';
import { collapsePorts, formatPortRange } from '../../src/config/ports.js';
import type { PortForward } from '../../src/config/types.js';
import type { Logger } from '../../src/log.js';
import { awsErrorName, awsStep, wrapAwsError } from './errors.js';
import { sleep } from './retry.js';
import { TAG_MANAGED, tagValue, toAwsTags } from './tags.js';

export function securityGroupName(instance: string): string {
  return `skiff-${instance}`;
}

/**
 * One rule per protocol and run of consecutive ports, open to the world
 * (as ops does): `-p 8000-8099` is one rule, not a hundred (a group holds
 * 60 inbound rules by default). With `ipv6` the same permission opens the
 * ports to IPv6 clients too (`::/0`).
 */
export function buildIngress(
  ports: readonly PortForward[],
  ipv6 = false,
): IpPermission[] {
  return collapsePorts(ports).map((r) => {
    const Description = `skiff ${r.protocol}:${formatPortRange(r)}`;
    return {
      IpProtocol: r.protocol,
      FromPort: r.from,
      ToPort: r.to,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description }],
      ...(ipv6 ? { Ipv6Ranges: [{ CidrIpv6: '::/0', Description }] } : {}),
    };
  });
}

export interface SecurityGroupSpec {
  instance: string;
  vpcId: string;
  ports: readonly PortForward[];
  tags: Record<string, string>;
  /** CloudConfig.EnableIPv6: open the ports to IPv6 clients too. */
  ipv6?: boolean;
  logger: Logger;
}

/**
 * A port or range open to the world, exactly as buildIngress makes it,
 * with or without IPv6 (the key says which, so that a reused group's
 * rule of the other form is replaced).
 */
function keyOf(p: IpPermission): string | undefined {
  const v4 = p.IpRanges ?? [];
  const v6 = p.Ipv6Ranges ?? [];
  const plain =
    v4.length === 1 &&
    v4[0]?.CidrIp === '0.0.0.0/0' &&
    (v6.length === 0 || (v6.length === 1 && v6[0]?.CidrIpv6 === '::/0')) &&
    !p.PrefixListIds?.length &&
    !p.UserIdGroupPairs?.length;
  const key = `${p.IpProtocol}:${p.FromPort}-${p.ToPort}`;
  return plain ? `${key}${v6.length ? ' ipv6' : ''}` : undefined;
}

/**
 * What a reused group needs so that it opens exactly `wanted`: the rules
 * it has that were not asked for, and the asked-for ones it lacks.
 */
export function ingressChanges(
  existing: readonly IpPermission[],
  wanted: readonly IpPermission[],
): { revoke: IpPermission[]; authorize: IpPermission[] } {
  const wantedKeys = new Set(wanted.map(keyOf));
  const kept = new Set<string>();
  const revoke: IpPermission[] = [];
  for (const p of existing) {
    const key = keyOf(p);
    if (key && wantedKeys.has(key)) kept.add(key);
    else revoke.push(p);
  }
  const authorize = wanted.filter((p) => !kept.has(keyOf(p) as string));
  return { revoke, authorize };
}

/** Creates the group (or reuses Skiff's leftover) and opens the ports. */
export async function createInstanceSecurityGroup(
  ec2: EC2Client,
  s: SecurityGroupSpec,
): Promise<string> {
  const name = securityGroupName(s.instance);
  const step = `creating security group ${name} in ${s.vpcId}`;
  let groupId: string;
  let rules = buildIngress(s.ports, s.ipv6);
  try {
    const out = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: `skiff instance ${s.instance}`,
        VpcId: s.vpcId,
        TagSpecifications: [
          { ResourceType: 'security-group', Tags: toAwsTags(s.tags) },
        ],
      }),
    );
    groupId = out.GroupId as string;
  } catch (err) {
    if (awsErrorName(err) !== 'InvalidGroup.Duplicate') {
      throw wrapAwsError(err, step, 'ec2:CreateSecurityGroup');
    }
    const group = await findLeftover(ec2, name, s.vpcId);
    groupId = group.GroupId as string;
    s.logger.debug(`reusing security group ${name} (${groupId})`);
    // A leftover keeps the rules of the instance it was made for.
    const changes = ingressChanges(group.IpPermissions ?? [], rules);
    if (changes.revoke.length > 0) {
      await awsStep(
        `closing old ports in security group ${name}`,
        'ec2:RevokeSecurityGroupIngress',
        () =>
          ec2.send(
            new RevokeSecurityGroupIngressCommand({
              GroupId: groupId,
              IpPermissions: changes.revoke,
            }),
          ),
      );
    }
    rules = changes.authorize;
  }
  if (rules.length > 0) {
    try {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: rules,
        }),
      );
    } catch (err) {
      if (awsErrorName(err) !== 'InvalidPermission.Duplicate') {
        await deleteSecurityGroup(ec2, groupId, s.logger, 1, 0);
        throw wrapAwsError(
          err,
          `opening ports in security group ${name}`,
          'ec2:AuthorizeSecurityGroupIngress',
        );
      }
    }
  }
  return groupId;
}

async function findLeftover(
  ec2: EC2Client,
  name: string,
  vpcId: string,
): Promise<SecurityGroup> {
  const out = await awsStep(
    `looking up security group ${name}`,
    'ec2:DescribeSecurityGroups',
    () =>
      ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'group-name', Values: [name] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        }),
      ),
  );
  const group = out.SecurityGroups?.[0];
  if (group?.GroupId && tagValue(group.Tags, TAG_MANAGED) === 'true') {
    return group;
  }
  throw new UserError(
    'AWS_SECURITY_GROUP_EXISTS',
    `security group ${name} already exists in ${vpcId} and is not Skiff's`,
    { hint: 'choose another --instance-name' },
  );
}

/**
 * Deletes a group, retrying while EC2 still sees it in use (the network
 * interface of a just-terminated instance is released with a delay).
 * Returns false when it could not be deleted; a missing group is fine.
 */
export async function deleteSecurityGroup(
  ec2: EC2Client,
  groupId: string,
  logger: Logger,
  attempts = 10,
  delayMs = 5_000,
): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      logger.debug(`deleted security group ${groupId}`);
      return true;
    } catch (err) {
      const name = awsErrorName(err);
      if (name === 'InvalidGroup.NotFound') return true;
      if (name !== 'DependencyViolation' || attempt === attempts) {
        logger.warn(
          `could not delete security group ${groupId}: ${name}; remove it ` +
            `with: aws ec2 delete-security-group --group-id ${groupId}`,
        );
        return false;
      }
      await sleep(delayMs);
    }
  }
  return false;
}

/** CloudConfig.SecurityGroup: an id, or a group name in the VPC. */
export async function findSecurityGroupId(
  ec2: EC2Client,
  group: string,
  vpcId: string,
): Promise<string> {
  if (group.startsWith('sg-')) return group;
  const out = await awsStep(
    `looking up security group ${group}`,
    'ec2:DescribeSecurityGroups',
    () =>
      ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'group-name', Values: [group] },
            { Name: 'vpc-id', Values: [vpcId] },
          ],
        }),
      ),
  );
  const id = out.SecurityGroups?.[0]?.GroupId;
  if (!id) {
    throw new UserError(
      'AWS_SECURITY_GROUP_NOT_FOUND',
      `security group "${group}" (CloudConfig.SecurityGroup) is not in ${vpcId}`,
      {
        hint: 'set CloudConfig.SecurityGroup to a group id or name in the VPC',
      },
    );
  }
  return id;
}
