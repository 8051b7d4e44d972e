import { describe, expect, it } from 'vitest';
import { parseZone, resolveLocation } from '../../../providers/aws/region.js';

describe('region from CloudConfig.Zone', () => {
  it.each([
    ['us-east-1d', 'us-east-1', 'us-east-1d'],
    ['us-east-1a', 'us-east-1', 'us-east-1a'],
    ['eu-central-1f', 'eu-central-1', 'eu-central-1f'],
    ['ap-southeast-2c', 'ap-southeast-2', 'ap-southeast-2c'],
    ['us-gov-west-1a', 'us-gov-west-1', 'us-gov-west-1a'],
    ['us-west-2-lax-1a', 'us-west-2', 'us-west-2-lax-1a'],
    ['us-east-1-wl1-bos-wlz-1', 'us-east-1', 'us-east-1-wl1-bos-wlz-1'],
    ['us-east-2', 'us-east-2', undefined],
    ['cn-north-1', 'cn-north-1', undefined],
    [' US-EAST-1B ', 'us-east-1', 'us-east-1b'],
  ])('%s -> %s', (zone, region, az) => {
    expect(parseZone(zone)).toEqual({ region, availabilityZone: az });
  });

  it.each(['useast1', 'us-east', 'east-1a', '1a', 'us_east_1a'])(
    'rejects %s naming the key',
    (zone) => {
      expect(() => parseZone(zone)).toThrow(
        expect.objectContaining({
          code: 'AWS_ZONE_INVALID',
          message: expect.stringContaining(`"${zone}"`),
          hint: expect.stringContaining('CloudConfig.Zone'),
        }),
      );
    },
  );

  it('uses AWS_REGION, then AWS_DEFAULT_REGION, then leaves it to the SDK', () => {
    expect(resolveLocation(undefined, { AWS_REGION: 'eu-west-3' }).region).toBe(
      'eu-west-3',
    );
    expect(
      resolveLocation('', { AWS_DEFAULT_REGION: 'sa-east-1' }).region,
    ).toBe('sa-east-1');
    expect(resolveLocation(undefined, {})).toEqual({
      region: undefined,
      availabilityZone: undefined,
    });
    expect(
      resolveLocation('us-west-2b', { AWS_REGION: 'eu-west-3' }).region,
    ).toBe('us-west-2');
  });
});
