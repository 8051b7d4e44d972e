// Whether KVM really works here. /dev/kvm can exist on machines where QEMU
// then aborts or hangs (paravirtual hosts without nested virtualisation),
// so the probe checks the device, the CPU flags, then boots a tiny test
// guest with KVM and checks that its code ran.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import {
  access,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import type { SkiffPaths } from '../paths.js';

export interface KvmProbeResult {
  usable: boolean;
  /** One line, for `-v` output and errors. */
  reason: string;
}

export interface KvmProbeOptions {
  qemuPath: string;
  paths: SkiffPaths;
  /** Test seams; default to the real files. */
  kvmDevice?: string;
  cpuinfoPath?: string;
  /** How long the trial guest may take before it counts as a hang. */
  trialTimeoutMs?: number;
  /** Test seam: the trial boot (default runGuestTrial). */
  trial?: typeof runGuestTrial;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface CacheEntry {
  key: string;
  at: number;
  result: KvmProbeResult;
}

function cachePath(paths: SkiffPaths): string {
  return join(paths.cacheDir, 'kvm-probe.json');
}

async function readCache(
  path: string,
  key: string,
  now: number,
): Promise<KvmProbeResult | undefined> {
  try {
    const entry = JSON.parse(await readFile(path, 'utf8')) as CacheEntry;
    if (entry.key === key && now - entry.at < DAY_MS) return entry.result;
  } catch {
    // No cache or a broken one: probe again.
  }
  return undefined;
}

async function writeCache(path: string, entry: CacheEntry): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, path);
  } catch {
    // A cache we cannot write only costs a probe next time.
  }
}

/**
 * A disk whose boot sector writes 0x15 to isa-debug-exit (port 0x501) and
 * halts: QEMU then exits with (0x15 << 1) | 1 = 43. SeaBIOS wants at least
 * one whole cylinder (16 heads x 63 sectors) before it boots a disk, so
 * the file is 1 MiB (sparse).
 */
export const TRIAL_EXIT_STATUS = 43;
const TRIAL_DISK_BYTES = 1 << 20;

function trialBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([
    ...[0xba, 0x01, 0x05], // mov dx, 0x501
    ...[0xb0, 0x15], // mov al, 0x15
    0xee, // out dx, al
    0xf4, // hlt
    ...[0xeb, 0xfd], // jmp back to hlt
  ]).copy(sector);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/**
 * Boots the trial disk with `accel` and waits for its debug-exit status.
 * Only a guest that ran its code counts: QEMU started with -S (paused)
 * can come up on hosts where KVM then aborts or hangs on the first
 * instruction, which is what Nanos meets here.
 */
export async function runGuestTrial(
  qemuPath: string,
  accel: 'kvm' | 'tcg',
  workDir: string,
  timeoutMs: number,
): Promise<KvmProbeResult> {
  await mkdir(workDir, { recursive: true });
  const disk = join(workDir, `kvm-trial-${process.pid}-${Date.now()}.img`);
  const fh = await open(disk, 'w');
  try {
    await fh.write(trialBootSector(), 0, 512, 0);
    await fh.truncate(TRIAL_DISK_BYTES);
  } finally {
    await fh.close();
  }
  try {
    return await bootTrial(qemuPath, accel, disk, timeoutMs);
  } finally {
    await rm(disk, { force: true });
  }
}

function bootTrial(
  qemuPath: string,
  accel: 'kvm' | 'tcg',
  disk: string,
  timeoutMs: number,
): Promise<KvmProbeResult> {
  return new Promise((resolve) => {
    const cpu = accel === 'kvm' ? 'host' : 'max';
    const child = spawn(
      qemuPath,
      [
        ...['-accel', accel, '-machine', 'q35', '-cpu', cpu, '-m', '16'],
        ...['-nodefaults', '-no-user-config', '-display', 'none'],
        ...['-device', 'isa-debug-exit'],
        ...['-drive', `file=${disk.replaceAll(',', ',,')},format=raw,if=ide`],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr.setEncoding('utf8');
    let stderr = '';
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({
        usable: false,
        reason:
          `QEMU with ${accel} did not run a test guest within ` +
          `${timeoutMs} ms (it hangs)`,
      });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ usable: false, reason: `cannot start QEMU: ${err.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === TRIAL_EXIT_STATUS) {
        resolve({ usable: true, reason: `a test guest ran with ${accel}` });
        return;
      }
      const why = stderr.trim().split('\n')[0] || `status ${code ?? signal}`;
      resolve({ usable: false, reason: `QEMU with ${accel} failed: ${why}` });
    });
  });
}

async function qemuVersionKey(qemuPath: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(qemuPath, ['--version'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', () => resolve('unknown'));
    child.on('close', () => resolve(out.split('\n')[0] ?? 'unknown'));
  });
}

async function probeUncached(opts: KvmProbeOptions): Promise<KvmProbeResult> {
  const device = opts.kvmDevice ?? '/dev/kvm';
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch {
    return { usable: false, reason: `${device} is missing or not writable` };
  }
  let cpuinfo = '';
  try {
    cpuinfo = await readFile(opts.cpuinfoPath ?? '/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux-style /proc: rely on the trial start alone.
  }
  if (cpuinfo && !/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) {
    return {
      usable: false,
      reason: `${device} exists but the CPU has no vmx/svm flag`,
    };
  }
  const trial = opts.trial ?? runGuestTrial;
  return trial(
    opts.qemuPath,
    'kvm',
    opts.paths.cacheDir,
    opts.trialTimeoutMs ?? 3000,
  );
}

/**
 * Probes KVM, caching the answer for a day per kernel release and QEMU
 * version (in the cache dir).
 */
export async function probeKvm(opts: KvmProbeOptions): Promise<KvmProbeResult> {
  const now = (opts.now ?? Date.now)();
  const key = [
    // Answers of the older paused-start probe are not trusted.
    'guest-trial',
    release(),
    await qemuVersionKey(opts.qemuPath),
    opts.kvmDevice ?? '/dev/kvm',
    opts.cpuinfoPath ?? '/proc/cpuinfo',
  ].join('|');
  const path = cachePath(opts.paths);
  const cached = await readCache(path, key, now);
  if (cached) return cached;
  const result = await probeUncached(opts);
  await writeCache(path, { key, at: now, result });
  return result;
}
