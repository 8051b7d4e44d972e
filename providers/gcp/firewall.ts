// One firewall rule per instance (two with IPv6), named from the instance
// alone, so that deleting `web` can never touch `myweb` (ops matched rules
// by regex).
import { createHash } from 'node:crypto';
import { collapsePorts, formatPortRange } from '../../src/config/ports.js';
import type { PortForward } from '../../src/config/types.js';
import { joinWords, UserError } from '../../src/errors.js';
import type { GcpContext } from './context.js';
import { gcpError, isNotFound } from './errors.js';
import { runOperation, waitForOperation, waitOptionsOf } from './operations.js';

const MAX_NAME = 63;
/** Marks Skiff's rules: firewall rules carry no labels. */
const DESCRIPTION = 'Skiff: ports of instance ';

/**
 * `skiff-<instance>-<suffix>`; when that passes 63 characters the instance
 * part is cut and an 8-hex hash of the full instance name keeps it unique.
 * A cut name starts `skiff--`, which no plain one can (GCE names start
 * with a letter), so a short name that spells out a long one's cut and
 * hash never gets the long one's rule or tag.
 */
export function derivedName(instance: string, suffix: string): string {
  const plain = `skiff-${instance}-${suffix}`;
  if (plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(instance).digest('hex').slice(0, 8);
  const room = MAX_NAME - `skiff---${hash}-${suffix}`.length;
  return `skiff--${instance.slice(0, room)}-${hash}-${suffix}`;
}

/**
 * The firewall rule of an instance, or its IPv6 twin: one GCE rule cannot
 * mix IPv4 and IPv6 source ranges.
 */
export function firewallName(instance: string, ipv6 = false): string {
  return derivedName(instance, ipv6 ? 'ports6' : 'ports');
}

/** The instance's rules: the IPv4 one, then the IPv6 one when `ipv6`. */
export function firewallNames(instance: string, ipv6 = true): string[] {
  const v4 = firewallName(instance);
  return ipv6 ? [v4, firewallName(instance, true)] : [v4];
}

/** "firewall rule a" or "firewall rules a and b", for messages. */
export function ruleList(names: readonly string[]): string {
  const noun = names.length === 1 ? 'rule' : 'rules';
  return `firewall ${noun} ${joinWords(names)}`;
}

/** The network tag the rules target. */
export function networkTag(instance: string): string {
  return derivedName(instance, 'vm');
}

/** The firewalls.insert body (pure), for IPv4 or IPv6 clients. */
export function firewallResource(
  instance: string,
  ports: PortForward[],
  network: string,
  zone: string,
  ipv6 = false,
) {
  // Consecutive ports as "a-b": `-p 8000-8099` is one entry, not 100.
  const byProtocol = new Map<string, string[]>();
  for (const r of collapsePorts(ports)) {
    const list = byProtocol.get(r.protocol) ?? [];
    list.push(formatPortRange(r));
    byProtocol.set(r.protocol, list);
  }
  return {
    name: firewallName(instance, ipv6),
    description: `${DESCRIPTION}${instance} in ${zone}`,
    network: `global/networks/${network}`,
    direction: 'INGRESS',
    sourceRanges: [ipv6 ? '::/0' : '0.0.0.0/0'],
    targetTags: [networkTag(instance)],
    allowed: [...byProtocol].map(([protocol, list]) => ({
      IPProtocol: protocol,
      ports: list,
    })),
  };
}

/** The zone named in a Skiff rule's description, if any. */
function zoneOf(rule: { description?: string | null }): string | undefined {
  return / in ([a-z0-9-]+)$/.exec(rule.description ?? '')?.[1];
}

/**
 * Who holds `name`, a rule named after `instance`: nobody; someone else (not
 * made by Skiff: never changed); a live instance of that name in another
 * zone (firewalls are per project, instances per zone); or this zone's
 * instance, which may be gone and leave the rule to replace or delete.
 */
export type RuleHolder =
  | { kind: 'none' }
  | { kind: 'foreign' }
  | { kind: 'elsewhere'; zone: string }
  | { kind: 'ours' };

async function instanceExists(
  ctx: GcpContext,
  instance: string,
  zone: string,
): Promise<boolean> {
  try {
    await ctx.clients.instances.get({
      project: ctx.settings.projectId,
      zone,
      instance,
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw gcpError(err, `looking up instance ${instance} in ${zone}`);
  }
}

export async function ruleHolder(
  ctx: GcpContext,
  instance: string,
  name: string,
): Promise<RuleHolder> {
  let rule: { description?: string | null };
  try {
    [rule] = await ctx.clients.firewalls.get({
      project: ctx.settings.projectId,
      firewall: name,
    });
  } catch (err) {
    if (isNotFound(err)) return { kind: 'none' };
    throw gcpError(err, `looking up firewall rule ${name}`);
  }
  if (!rule.description?.startsWith(DESCRIPTION)) return { kind: 'foreign' };
  const zone = zoneOf(rule);
  // The description only says where the instance was: a rule whose
  // instance is gone there is an orphan, not a reason to refuse the name.
  if (
    zone &&
    zone !== ctx.settings.zone &&
    (await instanceExists(ctx, instance, zone))
  ) {
    return { kind: 'elsewhere', zone };
  }
  return { kind: 'ours' };
}

async function removeRule(ctx: GcpContext, name: string): Promise<boolean> {
  const step = `deleting firewall rule ${name}`;
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
  await waitForOperation(
    ctx.clients,
    response,
    waitOptionsOf(ctx, step, 'global'),
  );
  return true;
}

/**
 * Before an instance is created (its name is known to be free in this
 * zone): fails if either rule belongs to someone else, and removes the
 * rules left by an earlier instance of the name, so none opens stale ports.
 */
export async function prepareFirewall(
  ctx: GcpContext,
  instance: string,
): Promise<void> {
  const leftovers: string[] = [];
  for (const name of firewallNames(instance)) {
    const holder = await ruleHolder(ctx, instance, name);
    refuseHeld(instance, name, holder);
    if (holder.kind === 'ours') leftovers.push(name);
  }
  for (const name of leftovers) {
    if (await removeRule(ctx, name)) {
      ctx.logger.debug(`removed leftover firewall rule ${name}`);
    }
  }
}

/** Fails when `name` is not Skiff's, or a live instance elsewhere has it. */
function refuseHeld(instance: string, name: string, holder: RuleHolder): void {
  if (holder.kind === 'elsewhere') {
    throw new UserError(
      'INSTANCE_NAME_IN_USE',
      `instance ${instance} in ${holder.zone} already owns firewall rule ${name} (rules are per project)`,
      { hint: 'choose another --instance-name' },
    );
  }
  if (holder.kind === 'foreign') {
    throw new UserError(
      'GCP_FIREWALL_NOT_SKIFF',
      `firewall rule ${name} exists and was not made by Skiff; not replacing it`,
      {
        hint: `choose another --instance-name, or delete the rule: \`gcloud compute firewall-rules delete ${name}\``,
      },
    );
  }
}

/**
 * Deletes the instance's rules by their exact names; absent is fine, and
 * the rule of a live same-named instance in another zone, or one Skiff
 * did not make, is left alone. Returns the names of the rules deleted.
 */
export async function deleteFirewall(
  ctx: GcpContext,
  instance: string,
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of firewallNames(instance)) {
    const holder = await ruleHolder(ctx, instance, name);
    if (holder.kind === 'elsewhere') {
      ctx.logger.debug(
        `kept ${name}: it belongs to ${instance} in ${holder.zone}`,
      );
    } else if (holder.kind === 'foreign') {
      ctx.logger.debug(`kept ${name}: it was not made by Skiff`);
    } else if (holder.kind === 'ours' && (await removeRule(ctx, name))) {
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Opens `ports` to the instance, after prepareFirewall: to IPv4 clients,
 * and with CloudConfig.EnableIPv6 to IPv6 ones in a second rule.
 */
export async function createFirewall(
  ctx: GcpContext,
  instance: string,
  ports: PortForward[],
): Promise<void> {
  if (ports.length === 0) return;
  const { network, zone, enableIpv6 } = ctx.settings;
  for (const ipv6 of enableIpv6 ? [false, true] : [false]) {
    const resource = firewallResource(instance, ports, network, zone, ipv6);
    const step = `creating firewall rule ${resource.name}`;
    ctx.logger.debug(`gcp: firewalls.insert ${JSON.stringify(resource)}`);
    await runOperation(
      ctx.clients,
      () =>
        ctx.clients.firewalls.insert({
          project: ctx.settings.projectId,
          firewallResource: resource,
        }),
      waitOptionsOf(ctx, step, 'global'),
    );
  }
}
