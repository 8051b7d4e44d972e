// The QEMU adapter: local images and background instances behind the
// Provider interface.
import type { Provider, ProviderContext } from '../types.js';
import { createQemuContext, type QemuProviderOptions } from './context.js';
import {
  checkImageName,
  createImage,
  deleteImage,
  listImages,
} from './images.js';
import {
  createInstance,
  deleteInstance,
  getInstance,
  listInstanceInfos,
  readLogs,
  startInstance,
  stopInstance,
} from './instances.js';

export type { QemuProviderOptions } from './context.js';

export function createQemuProvider(
  ctx: ProviderContext,
  options: QemuProviderOptions = {},
): Provider {
  const q = createQemuContext(ctx, options);
  return {
    target: 'qemu',
    checkCreateImage: (opts) => checkImageName(q, opts),
    createImage: (opts) => createImage(q, opts),
    listImages: () => listImages(q),
    deleteImage: (name, opts) => deleteImage(q, name, opts),
    createInstance: (opts) => createInstance(q, opts),
    listInstances: () => listInstanceInfos(q),
    getInstance: (name) => getInstance(q, name),
    startInstance: (name) => startInstance(q, name),
    stopInstance: (name) => stopInstance(q, name),
    deleteInstance: (name) => deleteInstance(q, name),
    readLogs: (name, offset) => readLogs(q, name, offset),
  };
}
