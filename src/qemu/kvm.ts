// Whether KVM really works here. /dev/kvm can exist on machines where QEMU
// then aborts or hangs (paravirtual hosts without nested virtualisation),
// so the probe checks the device, the CPU flags, then starts QEMU once.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
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
  /** How long the trial start may take before it counts as a hang. */
  trialTimeoutMs?: number;
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
 * Starts QEMU with KVM, paused (-S). An immediate exit is a failure (its
 * stderr is the reason); still running at the deadline means KVM came up.
 */
function trialStart(
  qemuPath: string,
  timeoutMs: number,
): Promise<KvmProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(
      qemuPath,
      [
        ...['-accel', 'kvm', '-machine', 'q35', '-cpu', 'host'],
        ...['-nodefaults', '-display', 'none', '-S'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr.setEncoding('utf8');
    let stderr = '';
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ usable: true, reason: 'QEMU started with -accel kvm' });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ usable: false, reason: `cannot start QEMU: ${err.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const why = stderr.trim().split('\n')[0] || `status ${code ?? signal}`;
      resolve({ usable: false, reason: `QEMU with KVM failed: ${why}` });
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
  return trialStart(opts.qemuPath, opts.trialTimeoutMs ?? 3000);
}

/**
 * Probes KVM, caching the answer for a day per kernel release and QEMU
 * version (in the cache dir).
 */
export async function probeKvm(opts: KvmProbeOptions): Promise<KvmProbeResult> {
  const now = (opts.now ?? Date.now)();
  const key = [
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
