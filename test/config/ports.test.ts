import { describe, expect, it } from 'vitest';
import { parsePortSpec } from '../../src/config/ports.js';

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
