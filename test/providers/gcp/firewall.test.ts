// Firewall rules are named from one instance exactly: web never touches
// myweb's rule, and long names stay within GCE's 63 characters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  firewallName,
  firewallResource,
  networkTag,
} from '../../../providers/gcp/firewall.js';
import { configWith, setupGcp, type GcpTestEnv } from './setup.js';

const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('firewall names', () => {
  it('derives distinct names for web and myweb', () => {
    expect(firewallName('web')).toBe('skiff-web-ports');
    expect(firewallName('myweb')).toBe('skiff-myweb-ports');
    expect(networkTag('web')).toBe('skiff-web-vm');
  });

  it('keeps long names within 63 characters and distinct', () => {
    const a = `a${'b'.repeat(60)}1`;
    const b = `a${'b'.repeat(60)}2`;
    for (const name of [a, b, 'x'.repeat(63)]) {
      expect(firewallName(name).length).toBeLessThanOrEqual(63);
      expect(networkTag(name).length).toBeLessThanOrEqual(63);
      expect(firewallName(name)).toMatch(RFC1035);
    }
    expect(firewallName(a)).not.toBe(firewallName(b));
    expect(firewallName(a)).toMatch(/^skiff-ab+-[0-9a-f]{8}-ports$/);
  });

  it('groups ports by protocol', () => {
    const rule = firewallResource(
      'web',
      [
        { protocol: 'tcp', hostPort: 443, guestPort: 443 },
        { protocol: 'udp', hostPort: 53, guestPort: 53 },
        { protocol: 'tcp', hostPort: 80, guestPort: 80 },
      ],
      'default',
      'us-central1-a',
    );
    expect(rule.description).toBe(
      'Skiff: ports of instance web in us-central1-a',
    );
    expect(rule.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['80', '443'] },
      { IPProtocol: 'udp', ports: ['53'] },
    ]);
    expect(rule.network).toBe('global/networks/default');
  });
});

describe('firewall rules on GCP', () => {
  let env: GcpTestEnv;

  beforeAll(async () => {
    env = await setupGcp();
    env.fake.images.set('app', {
      name: 'app',
      diskSizeGb: '1',
      labels: { 'managed-by': 'skiff' },
    });
  });

  afterAll(async () => {
    await env.close();
  });

  const create = async (name: string) =>
    (await env.provider()).createInstance({
      name,
      imageName: 'app',
      config: configWith(env.cloud),
      ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
    });

  it("deleting web leaves myweb's rule; re-creating web works", async () => {
    await create('web');
    await create('myweb');
    const gcp = await env.provider();
    await gcp.deleteInstance('web');

    expect([...env.fake.firewalls.keys()]).toEqual(['skiff-myweb-ports']);
    await create('web');
    expect([...env.fake.firewalls.keys()].sort()).toEqual([
      'skiff-myweb-ports',
      'skiff-web-ports',
    ]);
  });

  it('replaces a stale rule left with the same name', async () => {
    env.fake.firewalls.set('skiff-stale-ports', { name: 'skiff-stale-ports' });
    await create('stale');
    expect(env.fake.firewalls.get('skiff-stale-ports')!.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['80'] },
    ]);
  });

  it('leaves alone the rule of a same-named instance in another zone', async () => {
    const other = {
      name: 'skiff-twin-ports',
      description: 'Skiff: ports of instance twin in europe-west4-b',
    };
    env.fake.firewalls.set('skiff-twin-ports', other);
    await expect(create('twin')).rejects.toMatchObject({
      code: 'INSTANCE_NAME_IN_USE',
    });
    expect(env.fake.instances.has('twin')).toBe(false);
    expect(env.fake.firewalls.get('skiff-twin-ports')).toEqual(other);
  });
});
