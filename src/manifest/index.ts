// The manifest module's public surface.
export { buildImageSpec, type BuildImageSpecOptions } from './build.js';
export { toTfsValue } from './values.js';
