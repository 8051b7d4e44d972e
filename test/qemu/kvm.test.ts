import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeKvm } from '../../src/qemu/kvm.js';
import { chooseAccel } from '../../src/qemu/accel.js';
import { RecordingLogger } from '../../src/log.js';
import { SkiffError } from '../../src/errors.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-kvm-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function paths() {
  return { cacheDir: tmp, dataDir: tmp, stateDir: tmp };
}

describe('probeKvm', () => {
  it('says unusable when the device is missing', async () => {
    const r = await probeKvm({
      qemuPath: '/bin/false',
      paths: paths(),
      kvmDevice: join(tmp, 'no-kvm'),
    });
    expect(r.usable).toBe(false);
    expect(r.reason).toContain('no-kvm');
  });

  it('says unusable when the CPU lacks vmx/svm', async () => {
    const dev = join(tmp, 'kvm');
    const cpuinfo = join(tmp, 'cpuinfo');
    await writeFile(dev, '');
    await writeFile(cpuinfo, 'flags\t\t: fpu sse2 hypervisor\n');
    const r = await probeKvm({
      qemuPath: '/bin/false',
      paths: paths(),
      kvmDevice: dev,
      cpuinfoPath: cpuinfo,
    });
    expect(r).toEqual({
      usable: false,
      reason: `${dev} exists but the CPU has no vmx/svm flag`,
    });
  });

  it('tries QEMU when the flags are there: an early exit is a failure', async () => {
    const dev = join(tmp, 'kvm');
    const cpuinfo = join(tmp, 'cpuinfo');
    await writeFile(dev, '');
    await writeFile(cpuinfo, 'flags\t\t: fpu vmx sse2\n');
    const r = await probeKvm({
      qemuPath: '/bin/false',
      paths: paths(),
      kvmDevice: dev,
      cpuinfoPath: cpuinfo,
    });
    expect(r.usable).toBe(false);
    expect(r.reason).toContain('QEMU with KVM failed');
  });

  it('caches the answer for a day', async () => {
    const dev = join(tmp, 'kvm');
    const opts = { qemuPath: '/bin/false', paths: paths(), kvmDevice: dev };
    const first = await probeKvm({ ...opts, now: () => 1000 });
    expect(first.usable).toBe(false);
    await writeFile(dev, '');
    await writeFile(join(tmp, 'cpuinfo'), 'flags : vmx\n');
    const cpuinfoPath = join(tmp, 'cpuinfo');
    // Different cpuinfo path is a different key; same key hits the cache.
    const cached = await probeKvm({ ...opts, now: () => 2000 });
    expect(cached).toEqual(first);
    const later = await probeKvm({
      ...opts,
      cpuinfoPath,
      now: () => 2000,
    });
    expect(later.reason).toContain('QEMU with KVM failed');
  });

  it('finds KVM unusable on this machine', async () => {
    const r = await probeKvm({
      qemuPath: 'qemu-system-x86_64',
      paths: paths(),
    });
    expect(r.usable).toBe(false);
  });
});

describe('chooseAccel', () => {
  const unusable = async () => ({ usable: false, reason: 'no vmx' });
  it('falls back to tcg on auto and refuses kvm', async () => {
    const logger = new RecordingLogger();
    expect(await chooseAccel('auto', unusable, logger)).toBe('tcg');
    expect(await chooseAccel('tcg', unusable, logger)).toBe('tcg');
    const err = (await chooseAccel('kvm', unusable, logger).catch(
      (e) => e,
    )) as SkiffError;
    expect(err.code).toBe('KVM_UNUSABLE');
    expect(err.message).toContain('no vmx');
  });
});
