// The config module's public surface.
export { applyFlags, parseEnvFlags, type BuildFlagValues } from './flags.js';
export { imagePathFor } from './image-path.js';
export { parsePortSpec } from './ports.js';
export { readConfigFile, parseJsonText } from './read.js';
export {
  resolveConfig,
  DEFAULT_NAME_SERVERS,
  type ResolveConfigOptions,
} from './resolve.js';
export { DEFAULT_MEMORY_BYTES, MIN_MEMORY_BYTES } from './memory.js';
export { parseSize } from './size.js';
export { validateConfig } from './validate.js';
