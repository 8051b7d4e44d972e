// EC2 instances made by Skiff: lookup by Name tag, listing, creation with
// its own security group, start/stop, and deletion with cleanup.
import { randomUUID } from 'node:crypto';
import {
  DescribeInstancesCommand,
  paginateDescribeInstances,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type EC2Client,
  type Image,
  type Instance,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { UserError } from '../../src/errors.js';
import {
  collapsePorts,
  expandPortRange,
  formatPortRange,
} from '../../src/config/ports.js';
import type { PortForward } from '../../src/config/types.js';
import type { Logger } from '../../src/log.js';
import type { InstanceInfo, InstanceState } from '../types.js';
import { awsStep } from './errors.js';
import { rootVolumeGiB } from './register.js';
import { deleteSecurityGroup } from './security-group.js';
import {
  MANAGED_FILTER,
  TAG_IMAGE,
  TAG_PORTS,
  TAG_SECURITY_GROUP,
  tagValue,
  toAwsTags,
} from './tags.js';
import { waiterConfig, type WaiterTimings } from './waiters.js';

/** Nitro types: GetConsoleOutput with Latest=true works on them. */
export const DEFAULT_FLAVOR = { x86_64: 't3.micro', arm64: 't4g.micro' };

const LIVE_STATES = [
  'pending',
  'running',
  'shutting-down',
  'stopping',
  'stopped',
];

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateInstanceName(name: string): void {
  if (!NAME.test(name)) {
    throw new UserError(
      'AWS_INSTANCE_NAME_INVALID',
      `instance name "${name}" is not valid on AWS`,
      {
        hint:
          'use --instance-name with letters, digits, ".", "_" or "-" ' +
          '(at most 63, starting with a letter or digit)',
      },
    );
  }
}

/** EC2 tag values hold at most 256 characters. */
const TAG_VALUE_MAX = 256;
/** Ends a ports tag that had to be cut: more ports are open than listed. */
const MORE = '...';

/**
 * `tcp:8000-8099,udp:53`, kept in a tag so `list` can show the ports:
 * consecutive ports as one range. Ports too scattered to fit a tag are
 * cut at a whole item and marked with a trailing "...".
 */
export function formatPorts(ports: readonly PortForward[]): string {
  const items = collapsePorts(ports).map(
    (r) => `${r.protocol}:${formatPortRange(r)}`,
  );
  const all = items.join(',');
  if (all.length <= TAG_VALUE_MAX) return all;
  let kept = '';
  for (const item of items) {
    const next = kept ? `${kept},${item}` : item;
    if (next.length + 1 + MORE.length > TAG_VALUE_MAX) break;
    kept = next;
  }
  return `${kept},${MORE}`;
}

/** Reads `tcp:80,udp:53` and `tcp:8000-8099`; skips anything else. */
export function parsePorts(value: string | undefined): PortForward[] {
  if (!value) return [];
  return value.split(',').flatMap((item) => {
    const [protocol, ports] = item.split(':');
    if (protocol !== 'tcp' && protocol !== 'udp') return [];
    return expandPortRange(protocol, ports ?? '');
  });
}

function toState(name: string | undefined): InstanceState {
  switch (name) {
    case 'pending':
    case 'running':
    case 'stopping':
    case 'stopped':
    case 'terminated':
      return name;
    case 'shutting-down':
      return 'stopping';
    default:
      return 'unknown';
  }
}

export function toInstanceInfo(i: Instance): InstanceInfo {
  return {
    name: tagValue(i.Tags, 'Name') ?? i.InstanceId ?? '',
    target: 'aws',
    image: tagValue(i.Tags, TAG_IMAGE) ?? i.ImageId ?? '',
    state: toState(i.State?.Name),
    ports: parsePorts(tagValue(i.Tags, TAG_PORTS)),
    id: i.InstanceId,
    createdAt: i.LaunchTime?.toISOString(),
    publicIp: i.PublicIpAddress,
    privateIp: i.PrivateIpAddress,
    details: {
      instanceType: i.InstanceType,
      availabilityZone: i.Placement?.AvailabilityZone,
      imageId: i.ImageId,
      ipv6Address: i.Ipv6Address,
    },
  };
}

export async function listSkiffInstances(
  ec2: EC2Client,
  name?: string,
): Promise<Instance[]> {
  const filters = [
    MANAGED_FILTER,
    { Name: 'instance-state-name', Values: LIVE_STATES },
  ];
  if (name) filters.push({ Name: 'tag:Name', Values: [name] });
  const found: Instance[] = [];
  await awsStep(
    name ? `looking up instance ${name}` : 'listing instances',
    'ec2:DescribeInstances',
    async () => {
      const pages = paginateDescribeInstances(
        { client: ec2, pageSize: 100 },
        { Filters: filters },
      );
      for await (const page of pages) {
        for (const r of page.Reservations ?? []) {
          found.push(...(r.Instances ?? []));
        }
      }
    },
  );
  return found;
}

/** The newest live Skiff instance with this name. */
export async function findInstance(
  ec2: EC2Client,
  name: string,
): Promise<Instance | undefined> {
  const found = await listSkiffInstances(ec2, name);
  const time = (i: Instance) => i.LaunchTime?.getTime() ?? 0;
  return found.sort((a, b) => time(b) - time(a))[0];
}

export async function requireInstance(
  ec2: EC2Client,
  name: string,
): Promise<Instance & { InstanceId: string }> {
  const found = await findInstance(ec2, name);
  if (!found?.InstanceId) {
    throw new UserError(
      'INSTANCE_NOT_FOUND',
      `no AWS instance named "${name}"`,
      { hint: 'see `skiff instance list -t aws`' },
    );
  }
  return found as Instance & { InstanceId: string };
}

export interface RunSpec {
  name: string;
  imageName: string;
  image: Image;
  instanceType: string;
  subnetId: string;
  securityGroupId: string;
  /** Set when Skiff created the group and must delete it later. */
  ownSecurityGroup: boolean;
  ports: readonly PortForward[];
  baseVolumeBytes?: number;
  instanceProfile?: string;
  labels: Record<string, string>;
  /** CloudConfig.EnableIPv6: one address from the subnet's IPv6 range. */
  enableIpv6?: boolean;
}

export function buildRunInstancesInput(s: RunSpec): RunInstancesCommandInput {
  const tags = {
    ...s.labels,
    Name: s.name,
    'skiff:managed': 'true',
    [TAG_IMAGE]: s.imageName,
    [TAG_PORTS]: formatPorts(s.ports),
    ...(s.ownSecurityGroup ? { [TAG_SECURITY_GROUP]: s.securityGroupId } : {}),
  };
  const root = s.image.BlockDeviceMappings?.find(
    (m) => m.DeviceName === s.image.RootDeviceName,
  );
  const imageGiB = root?.Ebs?.VolumeSize ?? 1;
  const wantedGiB = rootVolumeGiB(imageGiB, s.baseVolumeBytes);
  const profile = s.instanceProfile;
  return {
    ImageId: s.image.ImageId,
    InstanceType: s.instanceType as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    ClientToken: randomUUID(),
    SubnetId: s.subnetId,
    SecurityGroupIds: [s.securityGroupId],
    // Top level, beside SubnetId: RunInstances refuses it together with
    // NetworkInterfaces, which would then have to carry the subnet too.
    ...(s.enableIpv6 ? { Ipv6AddressCount: 1 } : {}),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: toAwsTags(tags) },
      {
        ResourceType: 'volume',
        Tags: toAwsTags({ Name: s.name, 'skiff:managed': 'true' }),
      },
    ],
    ...(wantedGiB > imageGiB
      ? {
          BlockDeviceMappings: [
            {
              DeviceName: s.image.RootDeviceName,
              Ebs: {
                VolumeSize: wantedGiB,
                VolumeType: 'gp3',
                DeleteOnTermination: true,
              },
            },
          ],
        }
      : {}),
    ...(profile
      ? {
          IamInstanceProfile: profile.startsWith('arn:')
            ? { Arn: profile }
            : { Name: profile },
        }
      : {}),
  };
}

export async function runInstance(
  ec2: EC2Client,
  spec: RunSpec,
): Promise<Instance> {
  const out = await awsStep(
    `starting instance ${spec.name} from AMI ${spec.imageName}`,
    'ec2:RunInstances',
    () => ec2.send(new RunInstancesCommand(buildRunInstancesInput(spec))),
  );
  return out.Instances?.[0] ?? {};
}

export async function startInstance(ec2: EC2Client, name: string) {
  const i = await requireInstance(ec2, name);
  await awsStep(`starting instance ${name}`, 'ec2:StartInstances', () =>
    ec2.send(new StartInstancesCommand({ InstanceIds: [i.InstanceId] })),
  );
}

/**
 * Waits up to `t.maxWaitSeconds` for `state`; false (with the waiter's
 * reason as a warning) when the instance is not there by then.
 */
async function waitForState(
  ec2: EC2Client,
  instance: { name: string; instanceId: string },
  state: 'stopped' | 'terminated',
  logger: Logger,
  t: DeleteTimings,
): Promise<boolean> {
  const { name, instanceId } = instance;
  const [verb, waiter] =
    state === 'stopped'
      ? ['stop', waitUntilInstanceStopped]
      : ['terminate', waitUntilInstanceTerminated];
  logger.info(`waiting for ${name} (${instanceId}) to ${verb}`);
  const result = await awsStep(
    `waiting for instance ${name} to ${verb}`,
    'ec2:DescribeInstances',
    () => waiter(waiterConfig(ec2, t), { InstanceIds: [instanceId] }),
  ).catch((err: unknown) => {
    logger.warn(err instanceof Error ? err.message : String(err));
    return undefined;
  });
  return result?.state === 'SUCCESS';
}

/**
 * Stops, then waits for `stopped` (as long as a delete waits for
 * `terminated`): EC2 refuses to start an instance still `stopping`.
 * Still stopping after that is a warning; the caller reads the state.
 */
export async function stopInstance(
  ec2: EC2Client,
  name: string,
  logger: Logger,
  t: DeleteTimings,
) {
  const i = await requireInstance(ec2, name);
  await awsStep(`stopping instance ${name}`, 'ec2:StopInstances', () =>
    ec2.send(new StopInstancesCommand({ InstanceIds: [i.InstanceId] })),
  );
  const stopped = await waitForState(
    ec2,
    { name, instanceId: i.InstanceId },
    'stopped',
    logger,
    t,
  );
  if (!stopped) {
    logger.warn(
      `${name} is not stopped yet after ${t.maxWaitSeconds} s; ` +
        `\`skiff instance list -t aws\` shows when it is`,
    );
  }
}

/** The wait for `stopped` or `terminated` (before the group goes). */
export interface DeleteTimings extends WaiterTimings {
  /** DeleteSecurityGroup retries while the group is still in use. */
  groupAttempts: number;
  groupDelayMs: number;
}

/** Terminates, waits, then removes the security group Skiff made. */
export async function deleteInstance(
  ec2: EC2Client,
  name: string,
  logger: Logger,
  t: DeleteTimings,
): Promise<void> {
  const i = await requireInstance(ec2, name);
  await terminateInstance(
    ec2,
    { name, instanceId: i.InstanceId },
    tagValue(i.Tags, TAG_SECURITY_GROUP),
    logger,
    t,
  );
}

/**
 * Terminates by id; with `groupId` (the group Skiff made for it), waits
 * for `terminated`, then deletes the group.
 */
export async function terminateInstance(
  ec2: EC2Client,
  instance: { name: string; instanceId: string },
  groupId: string | undefined,
  logger: Logger,
  t: DeleteTimings,
): Promise<void> {
  const { name, instanceId } = instance;
  await awsStep(`terminating instance ${name}`, 'ec2:TerminateInstances', () =>
    ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })),
  );
  if (!groupId) return;
  const terminated = await waitForState(ec2, instance, 'terminated', logger, t);
  if (!terminated) {
    logger.warn(
      `${name} is not terminated yet; security group ${groupId} is left: ` +
        `aws ec2 delete-security-group --group-id ${groupId}`,
    );
    return;
  }
  await deleteSecurityGroup(
    ec2,
    groupId,
    logger,
    t.groupAttempts,
    t.groupDelayMs,
  );
}

/** A fresh describe, for the info returned after create/start. */
export async function describeInstance(
  ec2: EC2Client,
  instanceId: string,
): Promise<Instance | undefined> {
  const out = await awsStep(
    `describing instance ${instanceId}`,
    'ec2:DescribeInstances',
    () => ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  return out.Reservations?.[0]?.Instances?.[0];
}
