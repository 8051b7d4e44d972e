// The Nanos release Skiff pins by default.
//
// 0.1.54, not newer: 0.1.55 and master drop the first buffer of writev on
// stdout, so musl programs print bare newlines (observed under QEMU; see
// shared/docs/runtime-notes.md).
export const DEFAULT_NANOS_VERSION = '0.1.54';
