// What `skiff instance ... -t gcp` prints, through main() against the fake:
// port warnings, the cloud table, one line per delete.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from '../../helpers/cli-run.js';
import { gcpCli, setupGcp, type GcpTestEnv } from './setup.js';

let gcp: GcpTestEnv;
let home: Awaited<ReturnType<typeof tempHome>>;

const cli = gcpCli(
  () => gcp,
  () => home,
);

beforeAll(async () => {
  gcp = await setupGcp();
  gcp.fake.images.set('app', {
    name: 'app',
    diskSizeGb: '1',
    labels: { 'managed-by': 'skiff' },
  });
  home = await tempHome();
  await writeFile(
    join(home.dir, 'config.json'),
    JSON.stringify({
      CloudConfig: { ProjectID: 'skiff-test', Zone: 'us-central1-a' },
    }),
  );
});

afterAll(async () => {
  await home?.cleanup();
  await gcp?.close();
});

describe('skiff instance -t gcp output', () => {
  it('says that the host part of -p 8080:80 does not apply', async () => {
    const run = await cli(
      'instance',
      'create',
      'app',
      '-n',
      'web',
      ...['-p', '8080:80', '-p', '443'],
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /warning: -p 8080:80: .*opens port 80.*8080 is ignored/,
    );
    expect(run.stderr).not.toContain('-p 443');
    expect(gcp.fake.firewalls.get('skiff-web-ports')!.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['80', '443'] },
    ]);
  });

  it('lists cloud instances with their address, not a PID or exit code', async () => {
    const run = await cli('instance', 'list');
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual([
      'NAME',
      'IMAGE',
      'STATE',
      'PORTS',
      'IP',
      'CREATED',
    ]);
    expect(row).toMatch(
      /^web\s+app\s+running\s+80\/tcp, 443\/tcp\s+203\.0\.113\.7\s/,
    );
  });

  it('says once that an instance or an image was deleted', async () => {
    const vm = await cli('instance', 'delete', 'web');
    expect(vm.code).toBe(0);
    expect(vm.stderr.match(/deleted/g)).toHaveLength(1);
    const image = await cli('image', 'delete', 'app');
    expect(image.code).toBe(0);
    expect(image.stderr.match(/deleted/g)).toHaveLength(1);
  });

  it('opens and lists a port range as one range, reading old metadata too', async () => {
    gcp.fake.images.set('app', {
      name: 'app',
      diskSizeGb: '1',
      labels: { 'managed-by': 'skiff' },
    });
    const run = await cli(
      'instance',
      'create',
      'app',
      '-n',
      'ranged',
      ...['-p', '8000-8099', '-p', '53/udp'],
    );
    expect(run.code).toBe(0);
    expect(gcp.fake.firewalls.get('skiff-ranged-ports')!.allowed).toEqual([
      { IPProtocol: 'tcp', ports: ['8000-8099'] },
      { IPProtocol: 'udp', ports: ['53'] },
    ]);
    const items = gcp.fake.instances.get('ranged')!.metadata.items;
    expect(items).toContainEqual({
      key: 'skiff-ports',
      value: '8000-8099/tcp,53/udp',
    });
    // An instance made before ranges were kept lists each port.
    gcp.fake.instances.set('older', {
      ...gcp.fake.instances.get('ranged'),
      name: 'older',
      metadata: { items: [{ key: 'skiff-ports', value: '80/tcp,81/tcp' }] },
    });

    const list = await cli('instance', 'list');
    expect(list.stdout).toMatch(
      /^ranged\s+app\s+running\s+8000-8099\/tcp, 53\/udp\s/m,
    );
    expect(list.stdout).toMatch(/^older\s+app\s+running\s+80-81\/tcp\s/m);
    gcp.fake.instances.delete('older');
    expect((await cli('instance', 'delete', 'ranged')).code).toBe(0);
  });
});
