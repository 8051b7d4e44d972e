// A firewall rule whose instance is gone (a crash, a delete in the console)
// neither blocks the name nor outlives `instance delete`; a rule Skiff did
// not make is never changed.
import { describe, expect, it } from 'vitest';
import { RecordingLogger } from '../../../src/log.js';
import { configWith, useGcpWithApp } from './setup.js';

const env = useGcpWithApp();

function leaveRule(instance: string, zone: string, skiff = true) {
  const name = `skiff-${instance}-ports`;
  const rule = {
    name,
    description: skiff
      ? `Skiff: ports of instance ${instance} in ${zone}`
      : 'opened by hand',
    allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
  };
  env.fake.firewalls.set(name, rule);
  return rule;
}

const create = async (name: string, ports = [80]) =>
  (await env.provider()).createInstance({
    name,
    imageName: 'app',
    config: configWith(env.cloud),
    ports: ports.map((p) => ({ protocol: 'tcp', hostPort: p, guestPort: p })),
  });

describe('orphaned firewall rules', () => {
  it('takes over the rule of an instance gone from another zone', async () => {
    leaveRule('ghost', 'us-east1-b');
    await create('ghost');
    expect(env.fake.instances.has('ghost')).toBe(true);
    expect(env.fake.firewalls.get('skiff-ghost-ports')).toMatchObject({
      description: 'Skiff: ports of instance ghost in us-central1-a',
      allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
    });
  });

  it('removes a leftover rule even when the new instance opens no ports', async () => {
    leaveRule('quiet', 'us-central1-a');
    await create('quiet', []);
    expect(env.fake.firewalls.has('skiff-quiet-ports')).toBe(false);
  });

  it('deletes the rule of an instance that is already gone', async () => {
    const logger = new RecordingLogger();
    leaveRule('ghost', 'us-east1-b');
    const gcp = await env.provider(logger, { zone: 'us-east1-b' });
    await gcp.deleteInstance('ghost');
    expect(env.fake.firewalls.has('skiff-ghost-ports')).toBe(false);
    expect(logger.text()).toContain('removed its firewall rule');

    await expect(gcp.deleteInstance('ghost')).rejects.toMatchObject({
      code: 'INSTANCE_NOT_FOUND',
    });
  });

  it('deletes an orphan from any zone once no instance owns it', async () => {
    leaveRule('ghost', 'us-east1-b');
    await (await env.provider()).deleteInstance('ghost');
    expect(env.fake.firewalls.has('skiff-ghost-ports')).toBe(false);
  });

  it('never replaces or deletes a rule Skiff did not make', async () => {
    const rule = leaveRule('hand', 'us-central1-a', false);
    await expect(create('hand')).rejects.toMatchObject({
      code: 'GCP_FIREWALL_NOT_SKIFF',
    });
    expect(env.fake.instances.has('hand')).toBe(false);
    await expect(
      (await env.provider()).deleteInstance('hand'),
    ).rejects.toMatchObject({ code: 'INSTANCE_NOT_FOUND' });
    expect(env.fake.firewalls.get('skiff-hand-ports')).toEqual(rule);
  });
});
