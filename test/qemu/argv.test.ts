import { describe, expect, it } from 'vitest';
import { buildQemuArgv, type QemuSettings } from '../../src/qemu/argv.js';

const base: QemuSettings = {
  imagePath: '/tmp/my images/web,1.img',
  memoryBytes: 2 * 1024 ** 3,
  cpus: 2,
  accel: 'tcg',
  ports: [],
  serial: { kind: 'stdio' },
};

function valueAfter(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));
}

describe('buildQemuArgv', () => {
  it('keeps a path with spaces in one element and doubles commas', () => {
    const argv = buildQemuArgv(base);
    expect(valueAfter(argv, '-drive')).toEqual([
      'file=/tmp/my images/web,,1.img,format=raw,if=none,id=hd0',
    ]);
  });

  it('uses tcg with -cpu max, or kvm with -cpu host', () => {
    const tcg = buildQemuArgv(base);
    expect(valueAfter(tcg, '-accel')).toEqual(['tcg']);
    expect(valueAfter(tcg, '-cpu')).toEqual(['max']);
    const kvm = buildQemuArgv({ ...base, accel: 'kvm' });
    expect(valueAfter(kvm, '-accel')).toEqual(['kvm']);
    expect(valueAfter(kvm, '-cpu')).toEqual(['host']);
  });

  it('sets memory in MiB, cpus, q35, debug-exit, no reboot', () => {
    const argv = buildQemuArgv({ ...base, memoryBytes: 300 * 1024 * 1024 });
    expect(valueAfter(argv, '-m')).toEqual(['300M']);
    expect(valueAfter(argv, '-smp')).toEqual(['2']);
    expect(valueAfter(argv, '-machine')).toEqual(['q35']);
    expect(valueAfter(argv, '-device')).toContain('isa-debug-exit');
    expect(argv).toContain('-no-reboot');
    expect(
      buildQemuArgv({ ...base, rebootOnExit: true }).includes('-no-reboot'),
    ).toBe(false);
  });

  it('forwards each port, tcp and udp, on every interface by default', () => {
    const argv = buildQemuArgv({
      ...base,
      ports: [
        { protocol: 'tcp', hostPort: 8080, guestPort: 80 },
        { protocol: 'udp', hostPort: 5353, guestPort: 53 },
      ],
    });
    expect(valueAfter(argv, '-netdev')).toEqual([
      'user,id=n0,hostfwd=tcp::8080-:80,hostfwd=udp::5353-:53',
    ]);
    expect(valueAfter(argv, '-device')).toContain('virtio-net-pci,netdev=n0');
  });

  it('binds forwards to a chosen address', () => {
    const argv = buildQemuArgv({
      ...base,
      publishAddress: '127.0.0.1',
      ports: [{ protocol: 'tcp', hostPort: 1, guestPort: 2 }],
    });
    expect(valueAfter(argv, '-netdev')[0]).toContain(
      'hostfwd=tcp:127.0.0.1:1-:2',
    );
  });

  it('sends the serial console to stdio, a file or nowhere', () => {
    expect(valueAfter(buildQemuArgv(base), '-serial')).toEqual(['stdio']);
    const file = buildQemuArgv({
      ...base,
      serial: { kind: 'file', path: '/var/x y/serial.log' },
    });
    expect(valueAfter(file, '-chardev')).toEqual([
      'file,id=serial0,path=/var/x y/serial.log',
    ]);
    expect(valueAfter(file, '-serial')).toEqual(['chardev:serial0']);
    expect(valueAfter(file, '-display')).toEqual(['none']);
  });

  it('adds QMP and UEFI firmware only when asked', () => {
    expect(buildQemuArgv(base)).not.toContain('-qmp');
    expect(buildQemuArgv(base)).not.toContain('-bios');
    const argv = buildQemuArgv({
      ...base,
      qmpSocket: '/run/s k/qmp.sock',
      uefiFirmwarePath: '/usr/share/OVMF/OVMF_CODE.fd',
    });
    expect(valueAfter(argv, '-qmp')).toEqual([
      'unix:/run/s k/qmp.sock,server=on,wait=off',
    ]);
    expect(valueAfter(argv, '-bios')).toEqual(['/usr/share/OVMF/OVMF_CODE.fd']);
  });
});
