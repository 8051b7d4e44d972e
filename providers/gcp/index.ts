// The GCP provider: Compute Engine images and instances, GCS uploads.
// Settings are validated here, before any client or request exists.
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type { Provider, ProviderContext } from '../types.js';
import { createGcpClients } from './clients.js';
import { DEFAULT_TUNING, type GcpContext, type GcpTuning } from './context.js';
import {
  checkImageName,
  createGcpImage,
  deleteGcpImage,
  listGcpImages,
} from './images.js';
import { createGcpInstance } from './create-instance.js';
import {
  deleteGcpInstance,
  getVm,
  listGcpInstances,
  startGcpInstance,
  stopGcpInstance,
  toInstanceInfo,
} from './instances.js';
import { readGcpLogs } from './logs.js';
import { resolveGcpSettings } from './settings.js';

export { writeGcpArtifact } from './artifact.js';

export async function createGcpProvider(
  ctx: ProviderContext,
  cloud: ResolvedCloudConfig,
  tuning: Partial<GcpTuning> = {},
): Promise<Provider> {
  const settings = resolveGcpSettings(cloud, ctx.env);
  const tuned = { ...DEFAULT_TUNING, ...tuning };
  const gcp: GcpContext = {
    settings,
    clients: createGcpClients(settings, ctx.logger, {
      signal: ctx.signal,
      requestTimeoutMs: tuned.requestTimeoutMs,
      storageRetries: tuned.storageRetries,
    }),
    logger: ctx.logger,
    paths: ctx.paths,
    signal: ctx.signal,
    tuning: tuned,
  };
  const imageUsers = async (image: string) =>
    (await listGcpInstances(gcp))
      .filter((i) => i.image === image)
      .map((i) => i.name);

  return {
    target: 'gcp',
    // Each poll is two calls (the state, then the serial port).
    logPollIntervalMs: gcp.tuning.logPollIntervalMs,
    // The key file is checked offline first (authenticate does that),
    // then the name.
    checkCreateImage: async (opts) => {
      await checkImageName(gcp, opts.name, opts.force === true);
    },
    createImage: (opts) => createGcpImage(gcp, opts),
    listImages: () => listGcpImages(gcp),
    deleteImage: (name, opts = {}) =>
      deleteGcpImage(gcp, name, opts, () => imageUsers(name)),
    createInstance: (opts) => createGcpInstance(gcp, opts),
    listInstances: () => listGcpInstances(gcp),
    getInstance: async (name) => toInstanceInfo(await getVm(gcp, name)),
    startInstance: (name) => startGcpInstance(gcp, name),
    stopInstance: (name) => stopGcpInstance(gcp, name),
    deleteInstance: (name) => deleteGcpInstance(gcp, name),
    readLogs: (name, offset) => readGcpLogs(gcp, name, offset),
  };
}
