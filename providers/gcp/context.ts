// What every GCP module gets: settings, clients, logger, paths, signal.
import type { Logger } from '../../src/log.js';
import type { SkiffPaths } from '../../src/paths.js';
import type { GcpClients } from './clients.js';
import type { GcpSettings } from './settings.js';

/** Knobs tests turn down; the defaults suit real GCP. */
export interface GcpTuning {
  /** Pause between operation polls when wait() returns early. */
  pollIntervalMs: number;
  /** Pause between polls of `instance logs -w` (state + serial port). */
  logPollIntervalMs: number;
  /** Resumable upload chunk (a multiple of 256 KiB). */
  uploadChunkBytes: number;
  /** Deadline for instance and firewall operations. */
  instanceTimeoutMs: number;
  /**
   * Deadline of one HTTP request (request-limits.ts): operations.wait
   * gets 2.5 times this, an upload chunk 10 times.
   */
  requestTimeoutMs: number;
  /** Storage's retries of a failed request. */
  storageRetries: number;
}

export const DEFAULT_TUNING: GcpTuning = {
  pollIntervalMs: 2000,
  logPollIntervalMs: 2000,
  uploadChunkBytes: 16 * 1024 * 1024,
  instanceTimeoutMs: 10 * 60 * 1000,
  requestTimeoutMs: 60_000,
  storageRetries: 5,
};

export interface GcpContext {
  settings: GcpSettings;
  clients: GcpClients;
  logger: Logger;
  paths: SkiffPaths;
  signal?: AbortSignal;
  tuning: GcpTuning;
}
