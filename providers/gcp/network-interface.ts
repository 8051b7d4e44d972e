// The instance's network interface: the network and subnet, a public IPv4
// address (ephemeral, or CloudConfig.StaticIP) and, with
// CloudConfig.EnableIPv6, an external IPv6 address.
import { CloudError } from '../../src/errors.js';
import { checkStaticIp } from '../static-ip.js';
import type { GcpSettings } from './settings.js';

/** Throws on a StaticIP that is not an IPv4 address (no network). */
export function checkGcpStaticIp(settings: GcpSettings): void {
  if (settings.staticIp === undefined) return;
  checkStaticIp(
    settings.staticIp,
    `reserve one with \`gcloud compute addresses create NAME --region ${settings.region}\` ` +
      'and set CloudConfig.StaticIP to its address (`gcloud compute ' +
      `addresses describe NAME --region ${settings.region} ` +
      "--format='value(address)'`)",
  );
}

/** networkInterfaces[0] of the instances.insert body. */
export function networkInterface(settings: GcpSettings) {
  const { region, subnet } = settings;
  return {
    network: `global/networks/${settings.network}`,
    ...(subnet
      ? { subnetwork: `regions/${region}/subnetworks/${subnet}` }
      : {}),
    accessConfigs: [
      {
        type: 'ONE_TO_ONE_NAT',
        name: 'External NAT',
        ...(settings.staticIp ? { natIP: settings.staticIp } : {}),
      },
    ],
    // GCE refuses these unless the subnet is dual-stack with an external
    // IPv6 range; its message says so and is kept.
    ...(settings.enableIpv6
      ? {
          stackType: 'IPV4_IPV6',
          ipv6AccessConfigs: [{ type: 'DIRECT_IPV6', name: 'External IPv6' }],
        }
      : {}),
  };
}

/**
 * A refused insert with a hint naming the key behind it, when GCP's
 * message is about the static address or IPv6. Other errors pass.
 */
export function withAddressHint(err: unknown, settings: GcpSettings): unknown {
  if (!(err instanceof CloudError) || err.hint) return err;
  const hint = addressHint(err.message, settings);
  if (!hint) return err;
  return new CloudError(err.code, err.message, {
    cause: err.cause ?? err,
    status: err.status,
    retryable: err.retryable,
    done: err.done,
    hint,
  });
}

function addressHint(
  message: string,
  settings: GcpSettings,
): string | undefined {
  const { region, staticIp } = settings;
  if (staticIp && (message.includes('natIP') || message.includes(staticIp))) {
    return (
      `CloudConfig.StaticIP ${staticIp} must be a static external ` +
      `address reserved in ${region} and not in use: ` +
      `\`gcloud compute addresses list --filter="region:${region}"\``
    );
  }
  if (settings.enableIpv6 && /ipv6|stackType/i.test(message)) {
    return (
      'CloudConfig.EnableIPv6 needs a dual-stack subnet with an external ' +
      'IPv6 range: set CloudConfig.VPC and CloudConfig.Subnet to one (' +
      '`gcloud compute networks subnets update SUBNET --region ' +
      `${region} --stack-type=IPV4_IPV6 --ipv6-access-type=EXTERNAL\`)`
    );
  }
  return undefined;
}
