import { describe, expect, it } from 'vitest';
import { createProvider, resolveTarget } from '../../providers/index.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { RecordingLogger } from '../../src/log.js';

const withPlatform = (platform: 'qemu' | 'gcp' | 'aws') =>
  ({ cloud: { platform } }) as unknown as ResolvedConfig;

describe('resolveTarget', () => {
  it('takes the flag over the config, the config over the default', () => {
    expect(resolveTarget(undefined)).toBe('qemu');
    expect(resolveTarget(undefined, withPlatform('gcp'))).toBe('gcp');
    expect(resolveTarget('aws', withPlatform('gcp'))).toBe('aws');
    expect(resolveTarget('onprem')).toBe('qemu');
  });

  it('rejects an unknown target naming it and the choices', () => {
    expect(() => resolveTarget('azure')).toThrow(/unknown target "azure"/);
  });
});

describe('createProvider', () => {
  it('builds the qemu adapter without touching anything', async () => {
    const provider = await createProvider('qemu', {
      logger: new RecordingLogger(),
      paths: { cacheDir: '/x', dataDir: '/x', stateDir: '/x' },
      env: {},
    });
    expect(provider.target).toBe('qemu');
  });
});
