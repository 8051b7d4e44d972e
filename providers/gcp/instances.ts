// Instances: insert from a Skiff image with a per-instance network tag and
// firewall rule; list, start, stop and delete only Skiff's instances.
import {
  collapsePorts,
  expandPortRange,
  formatPortRange,
} from '../../src/config/ports.js';
import type { PortForward } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import type { InstanceInfo, InstanceState } from '../types.js';
import type { GcpContext } from './context.js';
import { gcpError, isNotFound } from './errors.js';
import { deleteFirewall, networkTag, ruleList } from './firewall.js';
import { networkInterface } from './network-interface.js';
import { runOperation, waitOptionsOf } from './operations.js';
import {
  checkResourceName,
  SKIFF_LABEL,
  type GcpSettings,
} from './settings.js';

const PORTS_KEY = 'skiff-ports';
const IMAGE_LABEL = 'skiff-image';

export interface InstancePlan {
  name: string;
  imageName: string;
  flavor: string;
  diskSizeGb: number;
  ports: PortForward[];
  serviceAccount?: string;
}

/** The instances.insert body (pure: tested on its output). */
export function instanceResource(settings: GcpSettings, plan: InstancePlan) {
  const { projectId, zone } = settings;
  return {
    name: plan.name,
    machineType: `zones/${zone}/machineTypes/${plan.flavor}`,
    labels: { ...settings.labels, [IMAGE_LABEL]: plan.imageName },
    tags: { items: [networkTag(plan.name)] },
    disks: [
      {
        boot: true,
        autoDelete: true,
        type: 'PERSISTENT',
        initializeParams: {
          sourceImage: `projects/${projectId}/global/images/${plan.imageName}`,
          diskSizeGb: String(plan.diskSizeGb),
        },
      },
    ],
    networkInterfaces: [networkInterface(settings)],
    // skiff-ports is read back by list/get to show the ports. The serial
    // console is switched on for `gcloud compute connect-to-serial-port`;
    // getSerialPortOutput works without it (peers-and-clouds §3.1).
    metadata: {
      items: [
        { key: PORTS_KEY, value: formatPorts(plan.ports) },
        { key: 'serial-port-enable', value: 'TRUE' },
      ],
    },
    ...(plan.serviceAccount
      ? {
          serviceAccounts: [
            {
              email: plan.serviceAccount,
              scopes: ['https://www.googleapis.com/auth/cloud-platform'],
            },
          ],
        }
      : {}),
  };
}

/** `8000-8099/tcp,53/udp`: consecutive ports as one range. */
function formatPorts(ports: PortForward[]): string {
  return collapsePorts(ports)
    .map((r) => `${formatPortRange(r)}/${r.protocol}`)
    .join(',');
}

/** Reads `80/tcp,53/udp` and `8000-8099/tcp`; skips anything else. */
function parsePorts(value: string | undefined): PortForward[] {
  return (value ?? '').split(',').flatMap((item) => {
    const [ports, protocol] = item.split('/');
    return expandPortRange(protocol === 'udp' ? 'udp' : 'tcp', ports ?? '');
  });
}

/** GCE status to Skiff's states; GCE's TERMINATED means stopped. */
export function stateOf(status: string | undefined): InstanceState {
  switch (status) {
    case 'PROVISIONING':
    case 'STAGING':
    case 'REPAIRING':
      return 'pending';
    case 'RUNNING':
      return 'running';
    case 'STOPPING':
    case 'SUSPENDING':
      return 'stopping';
    case 'STOPPED':
    case 'SUSPENDED':
    case 'TERMINATED':
      return 'stopped';
    default:
      return 'unknown';
  }
}

export function toInstanceInfo(vm: Record<string, any>): InstanceInfo {
  const nic = vm.networkInterfaces?.[0];
  const items: Array<{ key: string; value: string }> = vm.metadata?.items ?? [];
  return {
    name: String(vm.name),
    target: 'gcp',
    image: vm.labels?.[IMAGE_LABEL] ?? '',
    state: stateOf(vm.status),
    ports: parsePorts(items.find((i) => i.key === PORTS_KEY)?.value),
    id: vm.id ? String(vm.id) : undefined,
    createdAt: vm.creationTimestamp
      ? new Date(vm.creationTimestamp).toISOString()
      : undefined,
    publicIp: nic?.accessConfigs?.[0]?.natIP ?? undefined,
    privateIp: nic?.networkIP ?? undefined,
    details: {
      zone: String(vm.zone ?? '')
        .split('/')
        .pop(),
      machineType: String(vm.machineType ?? '')
        .split('/')
        .pop(),
      ipv6Address: nic?.ipv6AccessConfigs?.[0]?.externalIpv6 ?? undefined,
    },
  };
}

export function zonal(ctx: GcpContext) {
  return { project: ctx.settings.projectId, zone: ctx.settings.zone };
}

export function instanceNotFound(ctx: GcpContext, name: string): UserError {
  return new UserError(
    'INSTANCE_NOT_FOUND',
    `instance ${name} does not exist in ${ctx.settings.projectId}/${ctx.settings.zone}`,
    { hint: 'see `skiff instance list -t gcp` (and check CloudConfig.Zone)' },
  );
}

/** The raw instance in `zone` (default: the configured one), if any. */
export async function findVm(
  ctx: GcpContext,
  name: string,
  zone = ctx.settings.zone,
): Promise<Record<string, any> | undefined> {
  checkResourceName('instance', name);
  await ctx.clients.authenticate();
  try {
    const [vm] = await ctx.clients.instances.get({
      project: ctx.settings.projectId,
      zone,
      instance: name,
    });
    return vm as Record<string, any>;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw gcpError(err, `looking up instance ${name} in ${zone}`);
  }
}

/** The raw instance, or UserError if absent or not Skiff's. */
export async function getVm(ctx: GcpContext, name: string) {
  const vm = await findVm(ctx, name);
  if (!vm) throw instanceNotFound(ctx, name);
  if (vm.labels?.[SKIFF_LABEL.key] !== SKIFF_LABEL.value) {
    throw new UserError(
      'INSTANCE_NOT_SKIFF',
      `instance ${name} was not made by Skiff (no label ${SKIFF_LABEL.key}=${SKIFF_LABEL.value})`,
      { hint: 'manage it with gcloud instead' },
    );
  }
  return vm;
}

export async function listGcpInstances(
  ctx: GcpContext,
): Promise<InstanceInfo[]> {
  await ctx.clients.authenticate();
  try {
    const [vms] = await ctx.clients.instances.list({
      ...zonal(ctx),
      filter: `labels.${SKIFF_LABEL.key} = ${SKIFF_LABEL.value}`,
    });
    return vms
      .filter((vm) => vm.labels?.[SKIFF_LABEL.key] === SKIFF_LABEL.value)
      .map((vm) => toInstanceInfo(vm as Record<string, any>));
  } catch (err) {
    throw gcpError(err, `listing instances in ${ctx.settings.zone}`);
  }
}

const VERB_ING = { start: 'starting', stop: 'stopping', delete: 'deleting' };

/** start, stop or delete, then wait for the zonal operation. */
async function act(
  ctx: GcpContext,
  verb: 'start' | 'stop' | 'delete',
  name: string,
): Promise<void> {
  await getVm(ctx, name);
  const step = `${VERB_ING[verb]} instance ${name}`;
  await runOperation(
    ctx.clients,
    () => ctx.clients.instances[verb]({ ...zonal(ctx), instance: name }),
    waitOptionsOf(ctx, step, 'zonal'),
  );
}

export const startGcpInstance = (ctx: GcpContext, name: string) =>
  act(ctx, 'start', name);

export const stopGcpInstance = (ctx: GcpContext, name: string) =>
  act(ctx, 'stop', name);

/**
 * Deletes the instance, then its firewall rules (by exact name). They go
 * even when the instance is already gone, so they cannot be orphaned.
 */
export async function deleteGcpInstance(
  ctx: GcpContext,
  name: string,
): Promise<void> {
  const vm = await findVm(ctx, name);
  if (vm) await act(ctx, 'delete', name);
  const removed = await deleteFirewall(ctx, name);
  if (!vm && removed.length === 0) throw instanceNotFound(ctx, name);
  if (!vm) {
    ctx.logger.info(
      `instance ${name} was already gone; removed its ${ruleList(removed)}`,
    );
  }
}
