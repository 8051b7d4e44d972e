import { describe, expect, it } from 'vitest';
import {
  collapsePorts,
  expandPortRange,
  parsePortSpec,
} from '../../src/config/ports.js';

describe('parsePortSpec', () => {
  it('maps a single port to itself', () => {
    expect(parsePortSpec('8080')).toEqual([
      { protocol: 'tcp', hostPort: 8080, guestPort: 8080 },
    ]);
    expect(parsePortSpec(80)).toEqual([
      { protocol: 'tcp', hostPort: 80, guestPort: 80 },
    ]);
  });

  it('reads host:guest', () => {
    expect(parsePortSpec('8080:80')).toEqual([
      { protocol: 'tcp', hostPort: 8080, guestPort: 80 },
    ]);
  });

  it('expands a range to the same ports on both sides', () => {
    const out = parsePortSpec('8000-8002');
    expect(out.map((p) => [p.hostPort, p.guestPort])).toEqual([
      [8000, 8000],
      [8001, 8001],
      [8002, 8002],
    ]);
  });

  it('reads /udp and the default protocol', () => {
    expect(parsePortSpec('53/udp')[0]!.protocol).toBe('udp');
    expect(parsePortSpec('53', 'udp')[0]!.protocol).toBe('udp');
    expect(parsePortSpec('53/tcp', 'udp')[0]!.protocol).toBe('tcp');
  });

  it('reads comma lists', () => {
    expect(parsePortSpec('80,443').map((p) => p.hostPort)).toEqual([80, 443]);
  });

  it.each(['abc', '0', '70000', '10-5', '8000-8010:80', '80:'])(
    'rejects %j',
    (spec) => {
      expect(() => parsePortSpec(spec)).toThrow(spec);
    },
  );
});

describe('collapsePorts', () => {
  it('merges consecutive guest ports of a protocol into ranges', () => {
    const ports = [
      ...parsePortSpec('8000-8099'),
      ...parsePortSpec('53/udp'),
      ...parsePortSpec('443,80,81,8080:82'),
      ...parsePortSpec('8050'),
    ];
    expect(collapsePorts(ports)).toEqual([
      { protocol: 'tcp', from: 80, to: 82 },
      { protocol: 'tcp', from: 443, to: 443 },
      { protocol: 'tcp', from: 8000, to: 8099 },
      { protocol: 'udp', from: 53, to: 53 },
    ]);
  });

  it('reads back what it wrote, single ports and ranges', () => {
    expect(expandPortRange('udp', '53')).toEqual(parsePortSpec('53/udp'));
    expect(expandPortRange('tcp', '8000-8099')).toEqual(
      parsePortSpec('8000-8099'),
    );
    for (const bad of ['', 'x', '0', '9-8', '1-70000', '80-']) {
      expect(expandPortRange('tcp', bad)).toEqual([]);
    }
  });
});
