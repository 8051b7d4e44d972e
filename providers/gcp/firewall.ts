// One firewall rule per instance, named from the instance alone, so that
// deleting `web` can never touch `myweb` (ops matched rules by regex).
import { createHash } from 'node:crypto';
import type { PortForward } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import type { GcpContext } from './context.js';
import { gcpError, isNotFound } from './errors.js';
import { waitForOperation } from './operations.js';

const MAX_NAME = 63;

/**
 * `skiff-<instance>-<suffix>`; when that passes 63 characters the instance
 * part is cut and an 8-hex hash of the full instance name keeps it unique.
 */
export function derivedName(instance: string, suffix: string): string {
  const plain = `skiff-${instance}-${suffix}`;
  if (plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  const room = MAX_NAME - `skiff--${hash}-${suffix}`.length;
  return `skiff-${instance.slice(0, room)}-${hash}-${suffix}`;
}

/** The firewall rule of an instance. */
export function firewallName(instance: string): string {
  return derivedName(instance, 'ports');
}

/** The network tag the rule targets. */
export function networkTag(instance: string): string {
  return derivedName(instance, 'vm');
}

/** The firewalls.insert body (pure). */
export function firewallResource(
  instance: string,
  ports: PortForward[],
  network: string,
  zone: string,
) {
  const byProtocol = new Map<string, Set<string>>();
  for (const p of ports) {
    const set = byProtocol.get(p.protocol) ?? new Set<string>();
    set.add(String(p.guestPort));
    byProtocol.set(p.protocol, set);
  }
  return {
    name: firewallName(instance),
    description: `Skiff: ports of instance ${instance} in ${zone}`,
    network: `global/networks/${network}`,
    direction: 'INGRESS',
    sourceRanges: ['0.0.0.0/0'],
    targetTags: [networkTag(instance)],
    allowed: [...byProtocol].map(([protocol, set]) => ({
      IPProtocol: protocol,
      ports: [...set].sort((a, b) => Number(a) - Number(b)),
    })),
  };
}

function waitOptions(ctx: GcpContext, step: string) {
  return {
    project: ctx.settings.projectId,
    step,
    timeoutMs: ctx.tuning.instanceTimeoutMs,
    pollIntervalMs: ctx.tuning.pollIntervalMs,
    signal: ctx.signal,
  };
}

/** The zone named in a Skiff rule's description, if any. */
function zoneOf(rule: { description?: string | null }): string | undefined {
  return / in ([a-z0-9-]+)$/.exec(rule.description ?? '')?.[1];
}

/**
 * The zone of another instance with the same name that owns this name's
 * rule (firewalls are per project, instances per zone), or undefined.
 */
export async function firewallOwnerElsewhere(
  ctx: GcpContext,
  instance: string,
): Promise<string | undefined> {
  const name = firewallName(instance);
  try {
    const [rule] = await ctx.clients.firewalls.get({
      project: ctx.settings.projectId,
      firewall: name,
    });
    const zone = zoneOf(rule);
    return zone && zone !== ctx.settings.zone ? zone : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw gcpError(err, `looking up firewall rule ${name}`);
  }
}

/** Fails before anything is created if the name is taken in another zone. */
export async function checkFirewallFree(
  ctx: GcpContext,
  instance: string,
): Promise<void> {
  const zone = await firewallOwnerElsewhere(ctx, instance);
  if (zone) {
    throw new UserError(
      'INSTANCE_NAME_IN_USE',
      `an instance named ${instance} in ${zone} already owns firewall rule ${firewallName(instance)} (rules are per project)`,
      { hint: 'choose another --instance-name' },
    );
  }
}

/**
 * Deletes the instance's rule by its exact name; absent is fine, and a
 * rule of a same-named instance in another zone is left alone.
 */
export async function deleteFirewall(
  ctx: GcpContext,
  instance: string,
): Promise<boolean> {
  const name = firewallName(instance);
  const step = `deleting firewall rule ${name}`;
  const elsewhere = await firewallOwnerElsewhere(ctx, instance);
  if (elsewhere) {
    ctx.logger.debug(`kept ${name}: it belongs to ${instance} in ${elsewhere}`);
    return false;
  }
  let response: unknown;
  try {
    response = await ctx.clients.firewalls.delete({
      project: ctx.settings.projectId,
      firewall: name,
    });
  } catch (err) {
    if (isNotFound(err)) return false;
    throw gcpError(err, step);
  }
  await waitForOperation(ctx.clients, response, waitOptions(ctx, step));
  return true;
}

/**
 * Opens `ports` to the instance. A rule left by an earlier instance of the
 * same name is replaced: the name is derived from this instance only.
 */
export async function createFirewall(
  ctx: GcpContext,
  instance: string,
  ports: PortForward[],
): Promise<void> {
  if (ports.length === 0) return;
  const { network, zone } = ctx.settings;
  const resource = firewallResource(instance, ports, network, zone);
  const step = `creating firewall rule ${resource.name}`;
  if (await deleteFirewall(ctx, instance)) {
    ctx.logger.debug(`replaced stale firewall rule ${resource.name}`);
  }
  let response: unknown;
  try {
    response = await ctx.clients.firewalls.insert({
      project: ctx.settings.projectId,
      firewallResource: resource,
    });
  } catch (err) {
    throw gcpError(err, step);
  }
  await waitForOperation(ctx.clients, response, waitOptions(ctx, step));
}
