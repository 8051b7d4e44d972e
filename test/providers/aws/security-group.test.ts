// The ingress of Skiff's per-instance security group: IPv4 always, IPv6
// with CloudConfig.EnableIPv6, and a reused leftover brought to exactly
// that, whichever form it had.
import type { IpPermission } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import {
  buildIngress,
  ingressChanges,
} from '../../../providers/aws/security-group.js';
import { parsePortSpec } from '../../../src/config/ports.js';

const ports = [...parsePortSpec('80'), ...parsePortSpec('53/udp')];

/** A rule as DescribeSecurityGroups returns it (no descriptions). */
function open(port: number, ipv6: boolean): IpPermission {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    ...(ipv6 ? { Ipv6Ranges: [{ CidrIpv6: '::/0' }] } : {}),
  };
}

describe('buildIngress', () => {
  it('opens each port to IPv4 only by default', () => {
    const [tcp] = buildIngress(ports);
    expect(tcp).toEqual({
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'skiff tcp:80' }],
    });
  });

  it('adds ::/0 to the same permission with IPv6', () => {
    expect(buildIngress(ports, true)).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'skiff tcp:80' }],
        Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'skiff tcp:80' }],
      },
      {
        IpProtocol: 'udp',
        FromPort: 53,
        ToPort: 53,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'skiff udp:53' }],
        Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'skiff udp:53' }],
      },
    ]);
  });
});

describe('ingressChanges', () => {
  const wanted = (ipv6: boolean) => buildIngress(parsePortSpec('80'), ipv6);

  it.each([false, true])('keeps a rule already in form (IPv6 %s)', (v6) => {
    expect(ingressChanges([open(80, v6)], wanted(v6))).toEqual({
      revoke: [],
      authorize: [],
    });
  });

  it('adds IPv6 to a leftover that opened IPv4 only', () => {
    expect(ingressChanges([open(80, false)], wanted(true))).toEqual({
      revoke: [open(80, false)],
      authorize: wanted(true),
    });
  });

  it('takes IPv6 away from a leftover when it is not wanted', () => {
    expect(ingressChanges([open(80, true)], wanted(false))).toEqual({
      revoke: [open(80, true)],
      authorize: wanted(false),
    });
  });

  it('revokes IPv6-only and other ranges Skiff does not make', () => {
    const v6only = { ...open(80, true), IpRanges: [] };
    const office = {
      ...open(80, false),
      Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
    };
    for (const rule of [v6only, office]) {
      expect(ingressChanges([rule], wanted(true))).toEqual({
        revoke: [rule],
        authorize: wanted(true),
      });
    }
  });
});
