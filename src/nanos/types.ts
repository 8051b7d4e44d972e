// A Nanos release on the local disk: the files an image needs.

export interface NanosRelease {
  version: string;
  arch: 'x86_64' | 'aarch64';
  /** The folder holding the files below. */
  dir: string;
  kernelPath: string;
  /** boot.img (stage1+stage2); absent on platforms without a BIOS loader. */
  bootPath?: string;
  /** bootx64.efi / bootaa64.efi, when the release has one. */
  uefiLoaderPath?: string;
  /** The klibs folder: one file a kernel library. */
  klibsDir?: string;
}
