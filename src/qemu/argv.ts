// A pure builder for QEMU's argv: settings in, an argument array out. No
// shell is ever involved, so paths with spaces pass through untouched.
import type { PortForward } from '../config/types.js';

/** Where the guest's serial console goes. */
export type SerialTarget =
  | { kind: 'stdio' }
  | { kind: 'file'; path: string }
  | { kind: 'socket'; path: string }
  | { kind: 'none' };

export interface QemuSettings {
  /** The raw disk image. */
  imagePath: string;
  memoryBytes: number;
  cpus: number;
  accel: 'kvm' | 'tcg';
  ports: PortForward[];
  /**
   * Host address the forwarded ports listen on: an IPv4 literal, the only
   * form hostfwd takes (resolvePublishAddress checks it). Empty or
   * absent: every interface (like `docker run -p`); `127.0.0.1` keeps
   * them local.
   */
  publishAddress?: string;
  serial: SerialTarget;
  /** A QMP control socket (unix path), for stop/quit from outside. */
  qmpSocket?: string;
  /** Let the guest reboot instead of QEMU exiting (RebootOnExit). */
  rebootOnExit?: boolean;
  /** OVMF firmware for UEFI images; BIOS (SeaBIOS) when absent. */
  uefiFirmwarePath?: string;
  /** Fixed MAC for the NIC; QEMU picks one when absent. */
  macAddress?: string;
  /** Appended verbatim (one array element per argument). */
  extraArgs?: string[];
}

const MiB = 1024 * 1024;

/**
 * QEMU option values are comma-separated key=value lists; a literal comma
 * inside a value is written twice.
 */
export function escapeOptionValue(value: string): string {
  return value.replaceAll(',', ',,');
}

function serialArgs(serial: SerialTarget): string[] {
  switch (serial.kind) {
    case 'stdio':
      return ['-serial', 'stdio'];
    case 'file':
      return [
        '-chardev',
        `file,id=serial0,path=${escapeOptionValue(serial.path)}`,
        '-serial',
        'chardev:serial0',
      ];
    case 'socket':
      return [
        '-chardev',
        `socket,id=serial0,path=${escapeOptionValue(serial.path)},` +
          'server=on,wait=off',
        '-serial',
        'chardev:serial0',
      ];
    case 'none':
      return ['-serial', 'none'];
  }
}

/** `hostfwd=tcp:ADDR:H-:G` for each forwarded port. */
export function hostForwards(
  ports: PortForward[],
  publishAddress = '',
): string[] {
  return ports.map(
    (p) =>
      `hostfwd=${p.protocol}:${publishAddress}:${p.hostPort}-:${p.guestPort}`,
  );
}

function netdevArgs(settings: QemuSettings): string[] {
  const netdev = ['user', 'id=n0']
    .concat(hostForwards(settings.ports, settings.publishAddress))
    .join(',');
  const nic = ['virtio-net-pci', 'netdev=n0'];
  if (settings.macAddress) nic.push(`mac=${settings.macAddress}`);
  return ['-netdev', netdev, '-device', nic.join(',')];
}

/**
 * The full argv after the QEMU binary. Disk on virtio-scsi like ops (the
 * layout Nanos is tested with), isa-debug-exit so the app's exit code comes
 * back as QEMU's status, user-mode networking with one hostfwd per port.
 */
export function buildQemuArgv(settings: QemuSettings): string[] {
  const memMiB = Math.max(1, Math.ceil(settings.memoryBytes / MiB));
  const argv = ['-machine', 'q35', '-nodefaults', '-no-user-config'];

  if (settings.accel === 'kvm') argv.push('-accel', 'kvm', '-cpu', 'host');
  else argv.push('-accel', 'tcg', '-cpu', 'max');
  argv.push('-m', `${memMiB}M`, '-smp', String(settings.cpus));
  if (settings.uefiFirmwarePath) {
    argv.push('-bios', settings.uefiFirmwarePath);
  }

  argv.push(
    '-drive',
    `file=${escapeOptionValue(settings.imagePath)},format=raw,if=none,id=hd0`,
    '-device',
    'virtio-scsi-pci,id=scsi0',
    '-device',
    'scsi-hd,bus=scsi0.0,drive=hd0',
  );
  argv.push(...netdevArgs(settings));
  argv.push('-device', 'virtio-rng-pci');
  // Nanos writes (code << 1) | 1 to port 0x501, QEMU's default iobase.
  argv.push('-device', 'isa-debug-exit');
  argv.push('-display', 'none', ...serialArgs(settings.serial));
  if (!settings.rebootOnExit) argv.push('-no-reboot');
  if (settings.qmpSocket) {
    argv.push(
      '-qmp',
      `unix:${escapeOptionValue(settings.qmpSocket)},server=on,wait=off`,
    );
  }
  argv.push(...(settings.extraArgs ?? []));
  return argv;
}
