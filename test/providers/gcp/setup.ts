// Shared setup for GCP provider tests: a fake GCP on 127.0.0.1, ADC
// through the fake metadata server, and a small raw image.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GcpTuning } from '../../../providers/gcp/context.js';
import { createGcpProvider } from '../../../providers/gcp/index.js';
import type { BuiltImage, Provider } from '../../../providers/types.js';
import type {
  ResolvedCloudConfig,
  ResolvedConfig,
} from '../../../src/config/types.js';
import { RecordingLogger } from '../../../src/log.js';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { runCli } from '../../helpers/cli-run.js';
import { GcpFake, type GcpFakeOptions } from '../../helpers/gcp-fake.js';

export const GIB = 2 ** 30;

export interface GcpTestEnv {
  fake: GcpFake;
  dir: string;
  image: BuiltImage;
  imageBytes: Buffer;
  cloud: ResolvedCloudConfig;
  provider(
    logger?: RecordingLogger,
    cloud?: Partial<ResolvedCloudConfig>,
    extraEnv?: Record<string, string | undefined>,
    signal?: AbortSignal,
    tuning?: Partial<GcpTuning>,
  ): Promise<Provider>;
  close(): Promise<void>;
}

/**
 * Credentials come from google-auth-library's ADC chain, which finds the
 * fake metadata server through GCE_METADATA_HOST (the SDKs read
 * process.env themselves; tests run each file in its own worker).
 */
export async function setupGcp(
  fakeOptions: GcpFakeOptions = {},
): Promise<GcpTestEnv> {
  const fake = await new GcpFake(fakeOptions).start();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-gcp-'));
  const saved = { ...process.env };
  process.env.GCE_METADATA_HOST = fake.hostPort;
  process.env.CLOUDSDK_CONFIG = join(dir, 'no-gcloud');
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  delete process.env.STORAGE_EMULATOR_HOST;

  const imageBytes = randomBytes(1024 * 1024 + 123);
  const imagePath = join(dir, 'disk.raw');
  await writeFile(imagePath, imageBytes);
  const cloud: ResolvedCloudConfig = {
    platform: 'gcp',
    projectId: 'skiff-test',
    zone: 'us-central1-a',
    bucketName: 'skiff-images',
    labels: { team: 'web' },
    computeEndpoint: fake.url,
    imageTimeoutSeconds: 30,
    tags: [],
  };

  return {
    fake,
    dir,
    imageBytes,
    image: {
      path: imagePath,
      sizeBytes: imageBytes.length,
      uefi: false,
      arch: 'x86_64',
    },
    cloud,
    provider: (
      logger = new RecordingLogger(),
      overrides = {},
      extraEnv = {},
      signal = undefined,
      tuning = {},
    ) =>
      createGcpProvider(
        {
          logger,
          paths: {
            cacheDir: join(dir, 'cache'),
            dataDir: join(dir, 'data'),
            stateDir: join(dir, 'state'),
          },
          env: { STORAGE_EMULATOR_HOST: fake.url, ...extraEnv },
          signal,
        },
        { ...cloud, ...overrides },
        { pollIntervalMs: 5, uploadChunkBytes: 256 * 1024, ...tuning },
      ),
    async close() {
      await fake.stop();
      await rm(dir, { recursive: true, force: true });
      process.env = saved;
    },
  };
}

/** The parts of ResolvedConfig the GCP provider reads. */
export function configWith(
  cloud: ResolvedCloudConfig,
  extra: Partial<ResolvedConfig> = {},
): ResolvedConfig {
  return {
    manifestPassthrough: {},
    cloud,
    ...extra,
  } as ResolvedConfig;
}

/** The environment that points Skiff's GCP clients at the fake. */
export function fakeEndpoints(gcp: GcpTestEnv): Record<string, string> {
  return {
    STORAGE_EMULATOR_HOST: gcp.fake.url,
    SKIFF_GCP_COMPUTE_ENDPOINT: gcp.fake.url,
  };
}

/** `skiff <argv> -t gcp -c config.json` in `home`, against the fake. */
export function gcpCli(
  gcp: () => GcpTestEnv,
  home: () => { dir: string; env: Record<string, string> },
) {
  return (...argv: string[]) =>
    runCli([...argv, '-t', 'gcp', '-c', 'config.json'], {
      cwd: home().dir,
      env: { ...home().env, ...fakeEndpoints(gcp()) },
    });
}

/**
 * setupGcp for a whole file, with a Skiff image "app" in the fake and no
 * instances, firewall rules or request hook left from the test before.
 * The object stands for the env of the running file.
 */
export function useGcpWithApp(): GcpTestEnv {
  let env: GcpTestEnv | undefined;
  beforeAll(async () => {
    env = await setupGcp();
  });
  beforeEach(() => {
    const { fake } = env!;
    fake.onRequest = undefined;
    fake.instances.clear();
    fake.firewalls.clear();
    fake.images.set('app', {
      name: 'app',
      diskSizeGb: '1',
      labels: { 'managed-by': 'skiff' },
    });
  });
  afterAll(async () => {
    await env?.close();
  });
  return new Proxy({} as GcpTestEnv, {
    get: (_, key) => {
      if (!env) throw new Error('useGcpWithApp: used before beforeAll');
      return env[key as keyof GcpTestEnv];
    },
  });
}
