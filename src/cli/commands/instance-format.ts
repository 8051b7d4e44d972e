// How instances look in human output: ports, ages and the list table.
import { collapsePorts, formatPortRange } from '../../config/ports.js';
import type { PortForward } from '../../config/types.js';
import type { InstanceInfo, TargetName } from '../../../providers/types.js';
import { formatTable } from '../table.js';
import { pausedVmStatus } from './instance-paused.js';

/**
 * "8080->80/tcp, 53->53/udp", or "-"; with a --publish-addr other than
 * every interface, Docker's "127.0.0.1:8080->80/tcp".
 */
export function formatPorts(ports: PortForward[], address?: unknown): string {
  if (ports.length === 0) return '-';
  const at =
    typeof address === 'string' && address !== '0.0.0.0' ? `${address}:` : '';
  return ports
    .map((p) => `${at}${p.hostPort}->${p.guestPort}/${p.protocol}`)
    .join(', ');
}

/** ISO 8601 shortened to "2026-12-03 19:51:08". */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function exitColumn(info: InstanceInfo): string {
  if (info.state === 'running') return '-';
  if (info.exitCode !== undefined) return String(info.exitCode);
  const signal = info.details?.signal;
  if (typeof signal === 'string') return signal;
  // The guest reset or crashed without an exit code (qemu).
  return info.details?.exitKind === 'reset' ? 'reset' : '-';
}

/** "running", or "running (paused: io-error)". */
function stateColumn(info: InstanceInfo): string {
  const status = pausedVmStatus(info);
  if (status === undefined) return info.state;
  return status === 'paused'
    ? 'running (paused)'
    : `running (paused: ${status})`;
}

/**
 * Ports of a cloud instance: it has its own address, so no host side;
 * consecutive ports as one range ("8000-8099/tcp").
 */
function formatCloudPorts(ports: PortForward[]): string {
  if (ports.length === 0) return '-';
  return collapsePorts(ports)
    .map((r) => `${formatPortRange(r)}/${r.protocol}`)
    .join(', ');
}

/**
 * Local instances show their QEMU PID and exit code; cloud instances have
 * neither, and show their public address instead.
 */
export function formatInstanceTable(
  infos: InstanceInfo[],
  target: TargetName,
): string {
  if (target !== 'qemu') {
    return formatTable(
      ['NAME', 'IMAGE', 'STATE', 'PORTS', 'IP', 'CREATED'],
      infos.map((i) => [
        i.name,
        i.image,
        i.state,
        formatCloudPorts(i.ports),
        i.publicIp ?? i.privateIp ?? '-',
        formatTime(i.createdAt),
      ]),
    );
  }
  return formatTable(
    ['NAME', 'IMAGE', 'STATE', 'PORTS', 'PID', 'CREATED', 'EXIT'],
    infos.map((i) => [
      i.name,
      i.image,
      stateColumn(i),
      formatPorts(i.ports, i.details?.publishAddress),
      i.pid !== undefined ? String(i.pid) : '-',
      formatTime(i.createdAt),
      exitColumn(i),
    ]),
  );
}
