// The KVM probe's decisions, with the trial boot injected, and the trial
// guest itself, booted for real under TCG (KVM may not work here).
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  probeKvm,
  runGuestTrial,
  type KvmProbeOptions,
  type KvmProbeResult,
} from '../../src/qemu/kvm.js';
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

/** A /dev/kvm and a cpuinfo with vmx, so only the trial decides. */
async function capableHost(): Promise<Partial<KvmProbeOptions>> {
  const dev = join(tmp, 'kvm');
  const cpuinfo = join(tmp, 'cpuinfo');
  await writeFile(dev, '');
  await writeFile(cpuinfo, 'flags\t\t: fpu vmx sse2\n');
  return { kvmDevice: dev, cpuinfoPath: cpuinfo };
}

function trialSaying(result: KvmProbeResult) {
  const calls: string[] = [];
  const trial: KvmProbeOptions['trial'] = async (_qemu, accel) => {
    calls.push(accel);
    return result;
  };
  return { trial, calls };
}

describe('probeKvm', () => {
  it('says unusable when the device is missing, without a trial', async () => {
    const { trial, calls } = trialSaying({ usable: true, reason: 'ran' });
    const r = await probeKvm({
      qemuPath: '/bin/false',
      paths: paths(),
      kvmDevice: join(tmp, 'no-kvm'),
      trial,
    });
    expect(r.usable).toBe(false);
    expect(r.reason).toContain('no-kvm');
    expect(calls).toEqual([]);
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

  it('lets a KVM trial guest decide when device and flags are there', async () => {
    const host = await capableHost();
    const ran = trialSaying({ usable: true, reason: 'a test guest ran' });
    const ok = await probeKvm({
      qemuPath: 'q',
      paths: paths(),
      ...host,
      trial: ran.trial,
    });
    expect(ok).toEqual({ usable: true, reason: 'a test guest ran' });
    expect(ran.calls).toEqual(['kvm']);
    await rm(join(tmp, 'kvm-probe.json'));
    const hung = trialSaying({ usable: false, reason: 'hangs' });
    const bad = await probeKvm({
      qemuPath: 'q',
      paths: paths(),
      ...host,
      trial: hung.trial,
    });
    expect(bad).toEqual({ usable: false, reason: 'hangs' });
  });

  it('caches the answer for a day', async () => {
    const host = await capableHost();
    const first = trialSaying({ usable: false, reason: 'aborts' });
    const opts = { qemuPath: '/bin/false', paths: paths(), ...host };
    await probeKvm({ ...opts, trial: first.trial, now: () => 1000 });
    const again = trialSaying({ usable: true, reason: 'ran' });
    const cached = await probeKvm({
      ...opts,
      trial: again.trial,
      now: () => 2000,
    });
    expect(cached.reason).toBe('aborts');
    expect(again.calls).toEqual([]);
    const nextDay = await probeKvm({
      ...opts,
      trial: again.trial,
      now: () => 1000 + 25 * 3600 * 1000,
    });
    expect(nextDay.reason).toBe('ran');
  });
});

describe('runGuestTrial', () => {
  it('boots the test guest under TCG and sees its exit status', async () => {
    const r = await runGuestTrial('qemu-system-x86_64', 'tcg', tmp, 20_000);
    expect(r).toEqual({ usable: true, reason: 'a test guest ran with tcg' });
    expect(await readdir(tmp)).toEqual([]);
  });

  it('counts a QEMU that fails at once as unusable', async () => {
    const r = await runGuestTrial('/bin/false', 'kvm', tmp, 5000);
    expect(r.usable).toBe(false);
    expect(r.reason).toContain('QEMU with kvm failed');
  });

  it('counts a guest that never reports as a hang', async () => {
    const qemu = join(tmp, 'hang');
    await writeFile(qemu, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const r = await runGuestTrial(qemu, 'kvm', join(tmp, 'w'), 300);
    expect(r.usable).toBe(false);
    expect(r.reason).toContain('hangs');
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
