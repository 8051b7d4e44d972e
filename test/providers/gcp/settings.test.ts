import { describe, expect, it } from 'vitest';
import {
  parseComputeEndpoint,
  requireGcpKeys,
  resolveGcpSettings,
} from '../../../providers/gcp/settings.js';
import type { ResolvedCloudConfig } from '../../../src/config/types.js';

const cloud = (extra: Partial<ResolvedCloudConfig> = {}) =>
  ({
    platform: 'gcp',
    projectId: 'p1',
    zone: 'europe-west4-b',
    labels: {},
    imageTimeoutSeconds: 1800,
    ...extra,
  }) as ResolvedCloudConfig;

describe('resolveGcpSettings', () => {
  it('fills defaults and marks resources as Skiff', () => {
    const s = resolveGcpSettings(cloud({ labels: { env: 'prod' } }), {});
    expect(s).toMatchObject({
      projectId: 'p1',
      zone: 'europe-west4-b',
      region: 'europe-west4',
      network: 'default',
      imageTimeoutMs: 1_800_000,
      labels: { env: 'prod', 'managed-by': 'skiff' },
    });
    expect(s.compute).toBeUndefined();
    expect(s.storageEndpoint).toBeUndefined();
    // Picked per image (e2-small, or t2a-standard-1 for arm64).
    expect(s.flavor).toBeUndefined();
  });

  it('takes endpoints and the key file from the environment', () => {
    const s = resolveGcpSettings(cloud(), {
      SKIFF_GCP_COMPUTE_ENDPOINT: 'http://127.0.0.1:9000',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9001',
      GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
    });
    expect(s.compute).toEqual({
      apiEndpoint: '127.0.0.1',
      port: 9000,
      protocol: 'http',
    });
    expect(s.storageEmulator).toBe('http://127.0.0.1:9001');
    expect(s.storageEndpoint).toBeUndefined();
    expect(s.keyFilename).toBe('/keys/sa.json');
  });

  it('prefers CloudConfig.ComputeEndpoint over the variable', () => {
    const s = resolveGcpSettings(
      cloud({ computeEndpoint: 'https://compute.example:8443' }),
      { SKIFF_GCP_COMPUTE_ENDPOINT: 'http://127.0.0.1:9000' },
    );
    expect(s.compute).toEqual({
      apiEndpoint: 'compute.example',
      port: 8443,
      protocol: 'https',
    });
  });

  it('takes a Cloud Storage endpoint that authenticates, apart from the emulator', () => {
    const env = {
      SKIFF_GCP_STORAGE_ENDPOINT: 'https://storage-psc.p.googleapis.com/',
    };
    expect(resolveGcpSettings(cloud(), env)).toMatchObject({
      storageEndpoint: 'https://storage-psc.p.googleapis.com',
      storageEmulator: undefined,
    });
    const fromConfig = resolveGcpSettings(
      cloud({ storageEndpoint: 'http://10.0.0.7:8080' }),
      env,
    );
    expect(fromConfig.storageEndpoint).toBe('http://10.0.0.7:8080');
    expect(() =>
      resolveGcpSettings(cloud(), {
        ...env,
        STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9001',
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'GCP_ENDPOINT_CONFLICT',
        hint: expect.stringContaining('unset STORAGE_EMULATOR_HOST'),
      }),
    );
    expect(() =>
      resolveGcpSettings(cloud(), { SKIFF_GCP_STORAGE_ENDPOINT: 'storage' }),
    ).toThrow(expect.objectContaining({ code: 'GCP_ENDPOINT_INVALID' }));
  });

  it.each([
    [{ projectId: undefined }, 'ProjectID', '-g my-project'],
    [{ zone: undefined }, 'Zone', '-z us-central1-a'],
  ])('names the missing key and its flag', (extra, key, flag) => {
    expect(() => resolveGcpSettings(cloud(extra), {})).toThrow(
      expect.objectContaining({
        code: 'GCP_CONFIG_MISSING',
        message: `GCP needs CloudConfig.${key}, which is not set`,
        hint: expect.stringContaining(flag),
      }),
    );
  });

  it('names every missing key in one error', () => {
    expect(() =>
      requireGcpKeys({ zone: 'us-central1-a' }, [
        'ProjectID',
        'Zone',
        'BucketName',
      ]),
    ).toThrow(
      expect.objectContaining({
        code: 'GCP_CONFIG_MISSING',
        message:
          'GCP needs CloudConfig.ProjectID and CloudConfig.BucketName, ' +
          'which are not set',
        hint:
          'set "ProjectID": "my-project", "BucketName": "my-skiff-images" ' +
          'in CloudConfig, or pass -g my-project --bucketname my-skiff-images',
      }),
    );
  });

  it('rejects a region given as a zone, and bad labels', () => {
    expect(() =>
      resolveGcpSettings(cloud({ zone: 'us-central1' }), {}),
    ).toThrow(expect.objectContaining({ code: 'GCP_ZONE_INVALID' }));
    expect(() =>
      resolveGcpSettings(cloud({ labels: { Team: 'x' } }), {}),
    ).toThrow(expect.objectContaining({ code: 'GCP_LABEL_INVALID' }));
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(() => parseComputeEndpoint('127.0.0.1:9000')).toThrow(
      expect.objectContaining({ code: 'GCP_ENDPOINT_INVALID' }),
    );
  });
});
