// The request bodies Skiff sends, built by pure functions.
import { describe, expect, it } from 'vitest';
import { imageResource } from '../../../providers/gcp/images.js';
import {
  instanceResource,
  stateOf,
  toInstanceInfo,
} from '../../../providers/gcp/instances.js';
import { resolveGcpSettings } from '../../../providers/gcp/settings.js';
import type { ResolvedCloudConfig } from '../../../src/config/types.js';

const settings = resolveGcpSettings(
  {
    platform: 'gcp',
    projectId: 'p1',
    zone: 'us-central1-a',
    labels: {},
    imageTimeoutSeconds: 60,
    instanceProfile: 'app@p1.iam.gserviceaccount.com',
  } as ResolvedCloudConfig,
  {},
);

describe('imageResource', () => {
  it('marks UEFI and arm64 images UEFI_COMPATIBLE', () => {
    const src = 'https://storage.googleapis.com/b/o.tar.gz';
    const bios = imageResource('a', src, { arch: 'x86_64', uefi: false }, {});
    const uefi = imageResource('a', src, { arch: 'x86_64', uefi: true }, {});
    const arm = imageResource('a', src, { arch: 'aarch64', uefi: false }, {});
    expect(bios.guestOsFeatures).toEqual([{ type: 'GVNIC' }]);
    expect(uefi.guestOsFeatures).toEqual([
      { type: 'GVNIC' },
      { type: 'UEFI_COMPATIBLE' },
    ]);
    expect(arm.architecture).toBe('ARM64');
    expect(arm.rawDisk).toEqual({ source: src, containerType: 'TAR' });
  });
});

describe('instanceResource', () => {
  it('attaches the service account from InstanceProfile', () => {
    const body = instanceResource(settings, {
      name: 'web',
      imageName: 'app',
      flavor: 'e2-small',
      diskSizeGb: 10,
      ports: [{ protocol: 'udp', hostPort: 53, guestPort: 53 }],
      serviceAccount: settings.instanceProfile,
    });
    expect(body.serviceAccounts?.[0]?.email).toBe(
      'app@p1.iam.gserviceaccount.com',
    );
    expect(body.disks[0]!.initializeParams.diskSizeGb).toBe('10');
    expect(body.labels).toEqual({
      'managed-by': 'skiff',
      'skiff-image': 'app',
    });
    expect(body.metadata.items).toContainEqual({
      key: 'serial-port-enable',
      value: 'TRUE',
    });
    const info = toInstanceInfo({ ...body, status: 'STAGING' });
    expect(info.ports).toEqual([
      { protocol: 'udp', hostPort: 53, guestPort: 53 },
    ]);
    expect(info.state).toBe('pending');
  });

  it('maps GCE TERMINATED to stopped', () => {
    expect(stateOf('TERMINATED')).toBe('stopped');
    expect(stateOf('RUNNING')).toBe('running');
    expect(stateOf('WHATEVER')).toBe('unknown');
  });
});
