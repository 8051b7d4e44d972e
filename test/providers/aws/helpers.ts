// Shared fixtures for the AWS adapter tests: context, cloud config, images.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ResolvedCloudConfig,
  ResolvedConfig,
} from '../../../src/config/types.js';
import { RecordingLogger, type Logger } from '../../../src/log.js';
import type { BuiltImage, ProviderContext } from '../../../providers/types.js';
import type { AwsProviderOverrides } from '../../../providers/aws/index.js';

export const BLOCK = 512 * 1024;

export function makeCloud(
  over: Partial<ResolvedCloudConfig> = {},
): ResolvedCloudConfig {
  return {
    platform: 'aws',
    zone: 'us-east-1d',
    labels: {},
    imageTimeoutSeconds: 30,
    ...over,
  } as ResolvedCloudConfig;
}

export function makeCtx(
  env: Record<string, string | undefined> = {},
  logger: Logger = new RecordingLogger(),
): ProviderContext & { logger: Logger } {
  return {
    logger,
    env,
    paths: {
      cacheDir: '/nonexistent',
      dataDir: '/nonexistent',
      stateDir: '/nonexistent',
    },
  };
}

export function makeConfig(baseVolumeBytes?: number): ResolvedConfig {
  return { baseVolumeBytes } as unknown as ResolvedConfig;
}

/** Fast polls and back-offs so failure paths finish in milliseconds. */
export const FAST: AwsProviderOverrides = {
  timings: {
    pollIntervalMs: 1,
    maxPollIntervalMs: 5,
    snapshotInUseWaitMs: 50,
    consoleIntervalMs: 0,
    ebs: { baseDelayMs: 1, maxDelayMs: 5, notFoundWindowMs: 2_000 },
    delete: {
      maxWaitSeconds: 2,
      minDelaySeconds: 0.01,
      maxDelaySeconds: 0.02,
      groupAttempts: 3,
      groupDelayMs: 1,
    },
    running: {
      maxWaitSeconds: 2,
      minDelaySeconds: 0.01,
      maxDelaySeconds: 0.02,
    },
  },
};

export interface ImageFixture {
  image: BuiltImage;
  /** Block indexes that hold data (the rest are zero). */
  dataBlocks: number[];
  cleanup(): Promise<void>;
}

/**
 * A raw image of `blocks` 512 KiB blocks plus `tailBytes`, random data in
 * `dataBlocks`, holes elsewhere (written sparse with positional writes).
 */
export async function makeImage(
  blocks: number,
  dataBlocks: number[],
  tailBytes = 0,
): Promise<ImageFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-aws-'));
  const path = join(dir, 'disk.raw');
  const sizeBytes = blocks * BLOCK + tailBytes;
  const file = await open(path, 'w');
  await file.truncate(sizeBytes);
  for (const index of dataBlocks) {
    const start = index * BLOCK;
    const len = Math.min(BLOCK, sizeBytes - start);
    await file.write(randomBytes(len), 0, len, start);
  }
  await file.close();
  return {
    image: { path, sizeBytes, uefi: false, arch: 'x86_64' },
    dataBlocks,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
