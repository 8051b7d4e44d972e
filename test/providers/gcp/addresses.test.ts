// CloudConfig.StaticIP and EnableIPv6 on GCP: the network interface the
// fake receives, an address refused before any request, GCP's refusal.
import { describe, expect, it } from 'vitest';
import type { ResolvedCloudConfig } from '../../../src/config/types.js';
import { configWith, useGcpWithApp } from './setup.js';

const env = useGcpWithApp();

async function create(name: string, cloud: Partial<ResolvedCloudConfig>) {
  const gcp = await env.provider(undefined, cloud);
  return gcp.createInstance({
    name,
    imageName: 'app',
    config: configWith({ ...env.cloud, ...cloud }),
    ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
  });
}

/** The networkInterfaces[0] of the insert the fake received. */
function insertedInterface(name: string) {
  const insert = env.fake.requests.find(
    (r) =>
      r.method === 'POST' &&
      r.path.endsWith('/instances') &&
      r.body?.name === name,
  );
  return insert?.body?.networkInterfaces?.[0];
}

describe('GCP StaticIP and EnableIPv6', () => {
  it('sends an ephemeral address and no IPv6 when neither is set', async () => {
    await create('plain', {});
    const nic = insertedInterface('plain');
    expect(nic.accessConfigs).toEqual([
      { type: 'ONE_TO_ONE_NAT', name: 'External NAT' },
    ]);
    expect(nic.stackType).toBeUndefined();
    expect(nic.ipv6AccessConfigs).toBeUndefined();
  });

  it('sends natIP and a dual-stack interface, and shows both', async () => {
    const info = await create('fixed', {
      staticIp: '198.51.100.20',
      enableIpv6: true,
    });
    const nic = insertedInterface('fixed');
    expect(nic.accessConfigs).toEqual([
      { type: 'ONE_TO_ONE_NAT', name: 'External NAT', natIP: '198.51.100.20' },
    ]);
    expect(nic.stackType).toBe('IPV4_IPV6');
    expect(nic.ipv6AccessConfigs).toEqual([
      { type: 'DIRECT_IPV6', name: 'External IPv6' },
    ]);
    expect(info.publicIp).toBe('198.51.100.20');
    expect(info.details?.ipv6Address).toBe('2001:db8::7');
  });

  it.each(['my-address', '198.51.100', '198.51.100.300', '2001:db8::1'])(
    'refuses StaticIP %s before any request',
    async (value) => {
      const before = env.fake.requests.length;
      const err = await create('bad', { staticIp: value }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 'STATIC_IP_INVALID',
        message: `CloudConfig.StaticIP "${value}" is not an IPv4 address`,
      });
      expect((err as { hint: string }).hint).toContain(
        'gcloud compute addresses create NAME --region us-central1',
      );
      expect(env.fake.requests.length).toBe(before);
    },
  );

  it("keeps GCP's message when the subnet is not dual-stack", async () => {
    const refusal =
      "Invalid value for field 'resource.networkInterfaces[0].stackType': " +
      "'IPV4_IPV6'. The subnetwork has no IPv6 range.";
    env.fake.failNext = {
      pathIncludes: '/instances',
      method: 'POST',
      status: 400,
      reason: 'invalid',
      message: refusal,
    };
    const err = await create('v6', { enableIpv6: true }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe(
      `creating instance v6 from image app: ${refusal}`,
    );
    expect((err as { hint: string }).hint).toContain('dual-stack subnet');
    expect(env.fake.instances.has('v6')).toBe(false);
    expect(env.fake.firewalls.has('skiff-v6-ports')).toBe(false);
  });
});
