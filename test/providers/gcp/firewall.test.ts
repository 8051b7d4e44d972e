// Firewall rules are named from one instance exactly: web never touches
// myweb's rule, and long names stay within GCE's 63 characters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  firewallName,
  firewallResource,
  networkTag,
} from '../../../providers/gcp/firewall.js';
import { parsePortSpec } from '../../../src/config/ports.js';
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
    expect(firewallName(a)).toMatch(/^skiff--ab+-[0-9a-f]{8}-ports$/);
  });

  it('never gives a short name the rule or tag of a long one', () => {
    const long = `a${'b'.repeat(61)}1`;
    // The short name that spells out the long one's cut name and hash.
    const lookalike = firewallName(long).slice(
      'skiff-'.length,
      -'-ports'.length,
    );
    const short = lookalike.replace(/^-/, '');
    expect(`skiff-${short}-ports`.length).toBeLessThanOrEqual(63);
    expect(firewallName(short)).not.toBe(firewallName(long));
    expect(networkTag(short)).not.toBe(networkTag(long));
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

  it('opens consecutive ports as one range', () => {
    const ports = [
      ...parsePortSpec('8000-8099'),
      ...parsePortSpec('8100'),
      ...parsePortSpec('53/udp'),
      ...parsePortSpec('22'),
    ];
    const rule = firewallResource('web', ports, 'default', 'us-central1-a');
    expect(rule.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['22', '8000-8100'] },
      { IPProtocol: 'udp', ports: ['53'] },
    ]);
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

  /** The methods and paths of Compute writes since `from`. */
  const writes = (from: number) =>
    env.fake.requests
      .slice(from)
      .filter((r) => r.method !== 'GET' && !r.path.endsWith('/wait'))
      .map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`);

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
    env.fake.firewalls.set('skiff-stale-ports', {
      name: 'skiff-stale-ports',
      description: 'Skiff: ports of instance stale in us-central1-a',
    });
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
    const twin = {
      name: 'twin',
      zone: 'projects/skiff-test/zones/europe-west4-b',
      labels: { 'managed-by': 'skiff' },
    };
    env.fake.instances.set('twin', twin);
    await expect(create('twin')).rejects.toMatchObject({
      code: 'INSTANCE_NAME_IN_USE',
    });
    expect(env.fake.instances.get('twin')).toBe(twin);
    expect(env.fake.firewalls.get('skiff-twin-ports')).toEqual(other);

    const gcp = await env.provider();
    await expect(gcp.deleteInstance('twin')).rejects.toMatchObject({
      code: 'INSTANCE_NOT_FOUND',
    });
    expect(env.fake.firewalls.get('skiff-twin-ports')).toEqual(other);
    env.fake.instances.delete('twin');
  });

  it('opens the ports before the instance starts', async () => {
    const from = env.fake.requests.length;
    await create('first');
    const inserts = writes(from).filter((w) => w.startsWith('POST'));
    expect(inserts).toEqual([
      'POST global/firewalls',
      'POST us-central1-a/instances',
    ]);
  });

  it('starts no instance when the rule cannot be created', async () => {
    env.fake.failNext = {
      pathIncludes: '/global/firewalls',
      method: 'POST',
      status: 403,
      reason: 'forbidden',
      message: 'Required compute.firewalls.create permission',
    };
    await expect(create('nofw')).rejects.toMatchObject({
      code: 'GCP_PERMISSION_DENIED',
      message: expect.stringContaining('creating firewall rule skiff-nofw'),
    });
    expect(env.fake.instances.has('nofw')).toBe(false);
    expect(env.fake.firewalls.has('skiff-nofw-ports')).toBe(false);
  });

  it('removes the rule again when the instance is refused', async () => {
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
    expect(env.fake.instances.has('novm')).toBe(false);
    expect(env.fake.firewalls.has('skiff-novm-ports')).toBe(false);
  });

  it('removes the rule again when the instance operation fails', async () => {
    env.fake.failNextInstance = {
      code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
      message: 'The zone does not have enough resources',
    };
    await expect(create('nocap')).rejects.toMatchObject({
      code: 'GCP_ZONE_RESOURCE_POOL_EXHAUSTED',
    });
    expect(env.fake.firewalls.has('skiff-nocap-ports')).toBe(false);
  });

  it("refuses an existing instance's name without touching its rule", async () => {
    await create('taken');
    const rule = env.fake.firewalls.get('skiff-taken-ports');
    const from = env.fake.requests.length;
    await expect(create('taken')).rejects.toMatchObject({
      code: 'INSTANCE_EXISTS',
    });
    expect(writes(from)).toEqual([]);
    expect(env.fake.firewalls.get('skiff-taken-ports')).toBe(rule);
  });
});
