// Local instances on disk: one folder per instance under
// <stateDir>/instances/<name>, holding its record, its own copy of the
// disk, its serial log and the files the supervisor writes for each run.
import { randomBytes, createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortForward } from '../config/types.js';
import { errnoCode, UserError } from '../errors.js';
import type { SkiffPaths } from '../paths.js';
import { readJsonFile, writeJsonAtomic } from './atomic.js';
import type { ProcessIdentity } from './process.js';

/** What `instance create` decided; written once. */
export interface InstanceRecord {
  version: 1;
  name: string;
  image: string;
  /** ISO 8601. */
  createdAt: string;
  ports: PortForward[];
  cpus: number;
  memoryBytes: number;
  accel: 'auto' | 'kvm' | 'tcg';
  rebootOnExit: false | 'on-failure' | 'always';
  uefi: boolean;
  /** Host address forwarded ports listen on ('' = every interface). */
  publishAddress: string;
  /**
   * The image's manifest has debug_exit (absent in records written before
   * it was recorded: local images always had it).
   */
  debugExit?: boolean;
}

/** Written by the supervisor once QEMU is started. */
export interface RunRecord {
  runId: string;
  qemu: ProcessIdentity;
  supervisor: ProcessIdentity;
  /** ISO 8601. */
  startedAt: string;
}

/** Written by the supervisor when QEMU has exited. */
export interface ExitRecord {
  runId: string;
  /** QEMU's exit status, or null when a signal ended it. */
  status: number | null;
  signal: string | null;
  /** ISO 8601. */
  exitedAt: string;
}

/** Written by `instance stop` or `delete` before each step it takes. */
export interface StopRecord {
  runId: string;
  /** The last step: ACPI power button, QMP quit, or SIGKILL. */
  method: 'powerdown' | 'quit' | 'kill';
  /** ISO 8601. */
  at: string;
}

export interface InstanceFiles {
  dir: string;
  record: string;
  disk: string;
  serialLog: string;
  /** QEMU's own stdout and stderr. */
  qemuLog: string;
  run: string;
  exit: string;
  stop: string;
  lock: string;
  qmpSocket: string;
}

/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 100;

export function instancesDir(paths: SkiffPaths): string {
  return join(paths.stateDir, 'instances');
}

export function instanceFiles(paths: SkiffPaths, name: string): InstanceFiles {
  const dir = join(instancesDir(paths), name);
  let qmpSocket = join(dir, 'qmp.sock');
  if (Buffer.byteLength(qmpSocket) > MAX_SOCKET_PATH) {
    // A deep state folder: keep the socket short, still unique per folder.
    const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
    qmpSocket = join(tmpdir(), `skiff-qmp-${hash}.sock`);
  }
  return {
    dir,
    record: join(dir, 'instance.json'),
    disk: join(dir, 'disk.img'),
    serialLog: join(dir, 'serial.log'),
    qemuLog: join(dir, 'qemu.log'),
    run: join(dir, 'run.json'),
    exit: join(dir, 'exit.json'),
    stop: join(dir, 'stop.json'),
    lock: join(dir, 'lock'),
    qmpSocket,
  };
}

/** The names of every instance folder, sorted. */
export async function listInstanceNames(paths: SkiffPaths): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(instancesDir(paths));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return entries.filter((e) => !e.startsWith('.')).sort();
}

export async function readInstanceRecord(
  paths: SkiffPaths,
  name: string,
): Promise<InstanceRecord | undefined> {
  return readJsonFile<InstanceRecord>(instanceFiles(paths, name).record);
}

export async function readRunRecord(
  files: InstanceFiles,
): Promise<RunRecord | undefined> {
  return readJsonFile<RunRecord>(files.run);
}

export async function readExitRecord(
  files: InstanceFiles,
): Promise<ExitRecord | undefined> {
  return readJsonFile<ExitRecord>(files.exit);
}

export async function readStopRecord(
  files: InstanceFiles,
): Promise<StopRecord | undefined> {
  return readJsonFile<StopRecord>(files.stop);
}

export async function writeStopRecord(
  files: InstanceFiles,
  record: StopRecord,
): Promise<void> {
  await writeJsonAtomic(files.stop, record);
}

const STALE_TEMP_MS = 60 * 60 * 1000;

/** Temp folders left by a create or delete that was killed midway. */
async function sweepStaleTemps(root: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const entry of entries) {
    if (!entry.startsWith('.new-') && !entry.startsWith('.deleted-')) continue;
    const path = join(root, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/**
 * Creates the instance folder atomically: everything is prepared in a
 * hidden temp folder (`populate` copies the disk there), then renamed into
 * place. rename(2) onto an existing non-empty folder fails, so of two
 * commands creating the same name exactly one wins.
 */
export async function createInstanceDir(
  paths: SkiffPaths,
  record: InstanceRecord,
  populate: (tmpFiles: InstanceFiles) => Promise<void>,
): Promise<InstanceFiles> {
  const root = instancesDir(paths);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await sweepStaleTemps(root);
  const files = instanceFiles(paths, record.name);
  const tmpName = `.new-${record.name}-${randomBytes(6).toString('hex')}`;
  const tmp = instanceFiles(paths, tmpName);
  try {
    await mkdir(tmp.dir, { mode: 0o700 });
    await populate(tmp);
    await writeJsonAtomic(tmp.record, record);
    await rename(tmp.dir, files.dir);
  } catch (err) {
    await rm(tmp.dir, { recursive: true, force: true });
    const code = errnoCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw instanceExists(record.name);
    }
    throw err;
  }
  return files;
}

export function instanceExists(name: string): UserError {
  return new UserError(
    'INSTANCE_EXISTS',
    `an instance named "${name}" already exists`,
    {
      hint:
        `pick another --instance-name, or remove it first: ` +
        `skiff instance delete ${name}`,
    },
  );
}

/**
 * Removes an instance folder: renamed out of sight first (one atomic
 * step), then deleted.
 */
export async function removeInstanceDir(
  paths: SkiffPaths,
  name: string,
): Promise<void> {
  const files = instanceFiles(paths, name);
  const trash = join(
    instancesDir(paths),
    `.deleted-${name}-${randomBytes(6).toString('hex')}`,
  );
  await rename(files.dir, trash);
  await rm(trash, { recursive: true, force: true });
  await rm(files.qmpSocket, { force: true });
}

export async function writeInstanceRecord(
  files: InstanceFiles,
  record: InstanceRecord,
): Promise<void> {
  await writeJsonAtomic(files.record, record);
}
