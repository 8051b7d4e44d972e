// CloudConfig.EnableIPv6 on GCP: a second rule, `skiff-<instance>-ports6`,
// opens the ports to IPv6 clients (one GCE rule cannot mix IPv4 and IPv6
// ranges), under the same ownership checks as the IPv4 rule.
import { describe, expect, it } from 'vitest';
import { firewallName, networkTag } from '../../../providers/gcp/firewall.js';
import { configWith, useGcpWithApp } from './setup.js';

const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

const env = useGcpWithApp();

const create = async (name: string, enableIpv6 = true) =>
  (await env.provider(undefined, { enableIpv6 })).createInstance({
    name,
    imageName: 'app',
    config: configWith({ ...env.cloud, enableIpv6 }),
    ports: [
      { protocol: 'tcp', hostPort: 80, guestPort: 80 },
      { protocol: 'udp', hostPort: 53, guestPort: 53 },
    ],
  });

const rules = () => [...env.fake.firewalls.keys()].sort();

describe('IPv6 firewall rule names', () => {
  it('are distinct from the IPv4 ones and stay within GCE limits', () => {
    expect(firewallName('web', true)).toBe('skiff-web-ports6');
    const long = `a${'b'.repeat(60)}1`;
    for (const name of ['web', long, 'x'.repeat(63)]) {
      const v6 = firewallName(name, true);
      expect(v6.length).toBeLessThanOrEqual(63);
      expect(v6).toMatch(RFC1035);
      expect(v6).not.toBe(firewallName(name));
      expect(v6).not.toBe(networkTag(name));
    }
    expect(firewallName(long, true)).toMatch(/^skiff--ab+-[0-9a-f]{8}-ports6$/);
    expect(firewallName(long, true)).not.toBe(
      firewallName(`a${'b'.repeat(60)}2`, true),
    );
  });
});

describe('IPv6 firewall rules on GCP', () => {
  it('opens the same ports to ::/0 in a second rule', async () => {
    await create('web');
    expect(rules()).toEqual(['skiff-web-ports', 'skiff-web-ports6']);
    const v4 = env.fake.firewalls.get('skiff-web-ports')!;
    const v6 = env.fake.firewalls.get('skiff-web-ports6')!;
    const same = {
      description: 'Skiff: ports of instance web in us-central1-a',
      network: 'global/networks/default',
      direction: 'INGRESS',
      targetTags: ['skiff-web-vm'],
      allowed: [
        { IPProtocol: 'tcp', ports: ['80'] },
        { IPProtocol: 'udp', ports: ['53'] },
      ],
    };
    expect(v4).toMatchObject({ ...same, sourceRanges: ['0.0.0.0/0'] });
    expect(v6).toMatchObject({ ...same, sourceRanges: ['::/0'] });
  });

  it('makes no IPv6 rule without EnableIPv6', async () => {
    await create('plain', false);
    expect(rules()).toEqual(['skiff-plain-ports']);
  });

  it('deletes both rules with the instance', async () => {
    await create('gone');
    await (await env.provider()).deleteInstance('gone');
    expect(env.fake.instances.has('gone')).toBe(false);
    expect(rules()).toEqual([]);
  });

  it('removes both rules when the instance is refused', async () => {
    env.fake.failNext = {
      pathIncludes: '/zones/us-central1-a/instances',
      method: 'POST',
      status: 400,
      reason: 'invalid',
      message: "Invalid value for field 'resource.machineType'",
    };
    await expect(create('novm')).rejects.toMatchObject({
      message: expect.stringContaining('creating instance novm'),
    });
    expect(rules()).toEqual([]);
  });

  it('removes the IPv4 rule when the IPv6 one cannot be made', async () => {
    let inserts = 0;
    env.fake.onRequest = (r) => {
      const insert = r.method === 'POST' && r.path.endsWith('/firewalls');
      // The IPv4 rule is inserted first; the second insert is IPv6's.
      if (insert && ++inserts === 2) {
        env.fake.failNext = {
          pathIncludes: '/global/firewalls',
          status: 403,
          reason: 'forbidden',
          message: 'Required compute.firewalls.create permission',
        };
      }
    };
    await expect(create('half')).rejects.toMatchObject({
      code: 'GCP_PERMISSION_DENIED',
      message: expect.stringContaining(
        'creating firewall rule skiff-half-ports6',
      ),
    });
    expect(env.fake.instances.has('half')).toBe(false);
    expect(rules()).toEqual([]);
  });

  it('replaces a leftover IPv6 rule of a gone instance', async () => {
    const leftover = {
      name: 'skiff-old-ports6',
      description: 'Skiff: ports of instance old in us-east1-b',
      sourceRanges: ['::/0'],
      allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
    };
    env.fake.firewalls.set(leftover.name, leftover);
    await create('old', false);
    expect(rules()).toEqual(['skiff-old-ports']);

    env.fake.firewalls.set(leftover.name, leftover);
    await (await env.provider()).deleteInstance('old');
    expect(rules()).toEqual([]);
  });

  it('never touches an IPv6-named rule Skiff did not make', async () => {
    const hand = { name: 'skiff-hand-ports6', description: 'by hand' };
    env.fake.firewalls.set(hand.name, hand);
    await expect(create('hand')).rejects.toMatchObject({
      code: 'GCP_FIREWALL_NOT_SKIFF',
      message: expect.stringContaining('skiff-hand-ports6'),
    });
    expect(env.fake.instances.has('hand')).toBe(false);
    expect(rules()).toEqual(['skiff-hand-ports6']);
    await expect(
      (await env.provider()).deleteInstance('hand'),
    ).rejects.toMatchObject({ code: 'INSTANCE_NOT_FOUND' });
    expect(env.fake.firewalls.get(hand.name)).toEqual(hand);
  });
});
