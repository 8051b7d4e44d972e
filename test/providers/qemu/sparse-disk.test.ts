// `instance create` copies the image's disk without filling its holes. A
// stand-in QEMU reports the blocks its disk takes, then fails.
import {
  chmod,
  mkdtemp,
  open,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeHome, runConfig, testHome, type TestHome } from './fixture.js';

let home: TestHome | undefined;
let bin: string | undefined;
afterEach(async () => {
  await removeHome(home);
  if (bin) await rm(bin, { recursive: true, force: true });
});

const MiB = 1 << 20;

describe('instance disk copy', () => {
  it('keeps a sparse image sparse', async () => {
    bin = await mkdtemp(join(tmpdir(), 'skiff-sparsedisk-'));
    const qemu = join(bin, 'qemu-system-x86_64');
    // -drive file=<disk>,format=raw,...: report its size and its blocks.
    await writeFile(
      qemu,
      `#!/bin/sh
for a in "$@"; do
  case "$a" in file=*) d="\${a#file=}"; d="\${d%%,*}";; esac
done
stat -c '%s %b' "$d" > "${bin}/disk"
exit 1
`,
    );
    await chmod(qemu, 0o755);
    home = await testHome({}, { PATH: `${bin}:/usr/bin:/bin` });
    const disk = join(home.dir, 'big.img');
    const fh = await open(disk, 'w');
    await fh.write(Buffer.alloc(64 * 1024, 7), 0, 64 * 1024, 0);
    await fh.truncate(1024 * MiB);
    await fh.close();
    await home.provider.createImage({
      name: 'img',
      image: { path: disk, sizeBytes: 1024 * MiB, uefi: false, arch: 'x86_64' },
      config: runConfig(),
    });
    await home.provider
      .createInstance({
        name: 'i1',
        imageName: 'img',
        config: runConfig(),
        ports: [],
      })
      .catch(() => undefined);
    const [size, blocks] = (await readFile(join(bin, 'disk'), 'utf8'))
      .trim()
      .split(' ')
      .map(Number);
    expect(size).toBe(1024 * MiB);
    expect(blocks! * 512).toBeLessThan(8 * MiB);
  });
});
