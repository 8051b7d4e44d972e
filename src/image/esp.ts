// The EFI system partition: a fixed 33 MiB FAT32 template holding
// \EFI\Boot\bootx64.efi (or bootaa64.efi), byte-identical to what mkfs and
// ops write. Spec: nanos-disk-format.md §1.5.
import { UserError } from '../errors.js';

export const ESP_BYTES = 33 * 1024 * 1024;
const FAT1 = 0x4000;
const DATA = 0x85800;
/** Where the loader's bytes start (cluster 5). */
export const ESP_LOADER_OFFSET = DATA + 3 * 512;
const DATA_CLUSTERS = 67276 - DATA / 512;
const FAT_ENTRIES = (518 * 512) / 4;

export type EspLoaderName = 'bootx64.efi' | 'bootaa64.efi';

/** A run of bytes at an offset relative to the ESP start. */
export interface EspPiece {
  offset: number;
  bytes: Buffer;
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const MESSAGE =
  'This is not a bootable disk.  Please insert a bootable floppy and\r\n' +
  'press any key to try again ... \r\n';

function bootSector(): Buffer {
  const b = Buffer.alloc(512);
  hex(
    'EB5890 6D6B66732E666174 0002 01 2000 02 0000 0000 F8 0000 2000 4000' +
      '00000000 CC060100 06020000 0000 0000 02000000 0100 0600',
  ).copy(b, 0);
  hex('80 00 29 9EF943DF 4E4F204E414D4520202020 4641543332202020').copy(
    b,
    0x40,
  );
  hex('0E1FBE777CAC22C0740B56B40EBB0700CD105EEBF032E4CD16CD19EBFE').copy(
    b,
    0x5a,
  );
  b.write(MESSAGE, 0x77, 'latin1');
  b[0x1fe] = 0x55;
  b[0x1ff] = 0xaa;
  return b;
}

function fsInfo(): Buffer {
  const b = Buffer.alloc(512);
  b.write('RRaA', 0, 'latin1');
  b.write('rrAa', 0x1e4, 'latin1');
  b.writeUInt32LE(0x101ae, 0x1e8);
  b.writeUInt32LE(0xf3, 0x1ec);
  b[0x1fe] = 0x55;
  b[0x1ff] = 0xaa;
  return b;
}

function fat(loaderBytes: number): Buffer {
  const n = Math.ceil(loaderBytes / 512);
  const b = Buffer.alloc((n + 7) * 4);
  b.writeUInt32LE(0x0ffffff8, 0);
  b.writeUInt32LE(0x0fffffff, 4);
  b.writeUInt32LE(0x0ffffff8, 8);
  b.writeUInt32LE(0x0fffffff, 12);
  b.writeUInt32LE(0x0fffffff, 16);
  for (let k = 5; k <= n + 5; k++) b.writeUInt32LE(k + 1, 4 * k);
  b.writeUInt32LE(0x0fffffff, 4 * (n + 6));
  return b;
}

// Directory entries exactly as listed in §1.5 (32 bytes each).
const ROOT_DIR =
  '45 46 49 20 20 20 20 20 20 20 20 10 00 00 60 39 7C 52 7C 52 00 00 60 39 ' +
  '7C 52 03 00 00 00 00 00';

const EFI_DIR =
  '2E 20 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C ' +
  '7B 52 03 00 00 00 00 00 ' +
  '2E 2E 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C ' +
  '7B 52 00 00 00 00 00 00 ' +
  '41 42 00 6F 00 6F 00 74 00 00 00 0F 00 DD FF FF FF FF FF FF FF FF FF FF ' +
  'FF FF 00 00 FF FF FF FF ' +
  '42 4F 4F 54 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C ' +
  '7B 52 04 00 00 00 00 00';

const BOOT_DIR_HEAD =
  '2E 20 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C ' +
  '7B 52 04 00 00 00 00 00 ' +
  '2E 2E 20 20 20 20 20 20 20 20 20 10 00 00 8F 9C 7B 52 7B 52 00 00 8F 9C ' +
  '7B 52 03 00 00 00 00 00';

// The LFN entry and the 8.3 entry without its 4 size bytes.
const BOOT_DIR_TAIL: Record<EspLoaderName, string> = {
  'bootx64.efi':
    '41 62 00 6F 00 6F 00 74 00 78 00 0F 00 1D 36 00 34 00 2E 00 65 00 66 ' +
    '00 69 00 00 00 00 00 FF FF ' +
    '42 4F 4F 54 58 36 34 20 45 46 49 20 00 00 8F 9C 7B 52 7B 52 00 00 8F ' +
    '9C 7B 52 05 00',
  'bootaa64.efi':
    '41 62 00 6F 00 6F 00 74 00 61 00 0F 00 54 61 00 36 00 34 00 2E 00 65 ' +
    '00 66 00 00 00 69 00 00 00 ' +
    '42 4F 4F 54 41 41 36 34 45 46 49 20 00 64 4B 9C 7B 52 7B 52 00 00 4B ' +
    '9C 7B 52 05 00',
};

/**
 * The ESP's non-zero bytes for a loader of `loaderBytes` bytes, except the
 * loader itself, which goes at ESP_LOADER_OFFSET.
 */
export function espTemplate(
  name: EspLoaderName,
  loaderBytes: number,
): EspPiece[] {
  if (!(name in BOOT_DIR_TAIL)) {
    throw new UserError(
      'UEFI_LOADER_NAME',
      `UEFI loader "${name}" must be bootx64.efi or bootaa64.efi`,
    );
  }
  if (Math.ceil(loaderBytes / 512) + 7 > Math.min(DATA_CLUSTERS, FAT_ENTRIES)) {
    throw new UserError(
      'UEFI_LOADER_TOO_BIG',
      `UEFI loader ${name} is ${loaderBytes} bytes; the ESP holds < 32 MiB`,
    );
  }
  const vbr = bootSector();
  const bootDir = Buffer.concat([hex(BOOT_DIR_HEAD), hex(BOOT_DIR_TAIL[name])]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(loaderBytes, 0);
  return [
    { offset: 0, bytes: vbr },
    { offset: 0x200, bytes: fsInfo() },
    { offset: 0xc00, bytes: vbr },
    { offset: FAT1, bytes: fat(loaderBytes) },
    { offset: DATA, bytes: hex(ROOT_DIR) },
    { offset: DATA + 0x200, bytes: hex(EFI_DIR) },
    { offset: DATA + 0x400, bytes: Buffer.concat([bootDir, size]) },
  ];
}
