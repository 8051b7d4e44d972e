// Port forward specs: "8080", "8080:80" (host:guest), "8000-8010" (the
// same range on both sides), "53/udp", and comma lists of those.
import type { PortForward } from './types.js';

const PORT_RE = /^(\d+)(?:-(\d+))?(?::(\d+))?(?:\/(tcp|udp))?$/i;

function toPort(text: string, spec: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`"${spec}": port ${text} is outside 1-65535`);
  }
  return n;
}

/**
 * Expands one spec into forwards. `protocol` applies when the spec has no
 * "/tcp" or "/udp" suffix. Throws a plain Error naming the spec.
 */
export function parsePortSpec(
  spec: string | number,
  protocol: 'tcp' | 'udp' = 'tcp',
): PortForward[] {
  const text = String(spec).trim();
  const out: PortForward[] = [];
  for (const part of text.split(',')) {
    const m = PORT_RE.exec(part.trim());
    if (!m) {
      throw new Error(
        `"${text}" is not a port: use 8080, 8080:80 (host:guest), ` +
          `8000-8010 or 53/udp`,
      );
    }
    const proto =
      (m[4]?.toLowerCase() as 'tcp' | 'udp' | undefined) ?? protocol;
    const low = toPort(m[1]!, text);
    if (m[2] !== undefined) {
      if (m[3] !== undefined) {
        throw new Error(
          `"${text}": a range maps to the same ports in the guest; ` +
            `host:guest is for single ports`,
        );
      }
      const high = toPort(m[2], text);
      if (high < low) throw new Error(`"${text}": range ends before it starts`);
      for (let p = low; p <= high; p++) {
        out.push({ protocol: proto, hostPort: p, guestPort: p });
      }
      continue;
    }
    const guest = m[3] !== undefined ? toPort(m[3], text) : low;
    out.push({ protocol: proto, hostPort: low, guestPort: guest });
  }
  return out;
}

/** True when `parsePortSpec` accepts the spec. */
export function isPortSpec(spec: string | number): boolean {
  try {
    parsePortSpec(spec);
    return true;
  } catch {
    return false;
  }
}

/** What a forward is known by inside the guest: "tcp:8080". */
export function guestPortKey(p: PortForward): string {
  return `${p.protocol}:${p.guestPort}`;
}

/**
 * Config port specs without the forwards to a guest port (and protocol)
 * in `replaced`, so that `-p 9090:8080` replaces the config's "8080"
 * instead of forwarding both. An untouched spec stays as written; a range
 * or list that loses a port is written out port by port. A spec that does
 * not parse is kept for the schema to report.
 */
export function withoutGuestPorts(
  specs: readonly (string | number)[],
  protocol: 'tcp' | 'udp',
  replaced: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    let forwards: PortForward[];
    try {
      forwards = parsePortSpec(spec, protocol);
    } catch {
      out.push(String(spec));
      continue;
    }
    const kept = forwards.filter((p) => !replaced.has(guestPortKey(p)));
    if (kept.length === forwards.length) out.push(String(spec));
    else {
      for (const p of kept) {
        out.push(`${p.hostPort}:${p.guestPort}/${p.protocol}`);
      }
    }
  }
  return out;
}

/** A run of consecutive guest ports of one protocol: `from` to `to`. */
export interface PortRange {
  protocol: 'tcp' | 'udp';
  from: number;
  to: number;
}

/**
 * Guest ports as ranges: consecutive ports of a protocol merged, repeats
 * dropped, ports sorted; protocols in the order they first appear. A
 * cloud opens `-p 8000-8099` as one rule, not a hundred.
 */
export function collapsePorts(ports: readonly PortForward[]): PortRange[] {
  const byProtocol = new Map<'tcp' | 'udp', Set<number>>();
  for (const p of ports) {
    const set = byProtocol.get(p.protocol) ?? new Set<number>();
    set.add(p.guestPort);
    byProtocol.set(p.protocol, set);
  }
  const out: PortRange[] = [];
  for (const [protocol, set] of byProtocol) {
    let last: PortRange | undefined;
    for (const port of [...set].sort((a, b) => a - b)) {
      if (last && last.to + 1 === port) last.to = port;
      else out.push((last = { protocol, from: port, to: port }));
    }
  }
  return out;
}

/** "8000-8099", or "80" for a range of one port. */
export function formatPortRange(range: PortRange): string {
  return range.from === range.to
    ? String(range.from)
    : `${range.from}-${range.to}`;
}

/**
 * The forwards that "80" or "8000-8099" stands for (host port = guest
 * port), or none when it is not a port or range.
 */
export function expandPortRange(
  protocol: 'tcp' | 'udp',
  text: string,
): PortForward[] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return [];
  const from = Number(m[1]);
  const to = Number(m[2] ?? m[1]);
  if (from < 1 || to > 65535 || to < from) return [];
  const out: PortForward[] = [];
  for (let port = from; port <= to; port++) {
    out.push({ protocol, hostPort: port, guestPort: port });
  }
  return out;
}
