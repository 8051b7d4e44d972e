// Proves the image writer's output boots: a static hello built with gcc,
// the real kernel and boot.img, QEMU under TCG with a deadline.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/image/write.js';
import { checkBootable } from '../../src/image/check.js';
import { openImage } from '../../src/image/read.js';
import { FLAG, Tuple, type TfsValue } from '../../src/tfs/value.js';
import { findKernelForTests, skipBootTests } from '../helpers/kernel.js';

const HELLO_C = `
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  printf("hello from skiff image: %s %s FOO=%s\\n", argv[0],
         argc > 1 ? argv[1] : "-", getenv("FOO") ? getenv("FOO") : "-");
  return 3;
}
`;

function hasGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    skipBootTests('gcc not found', 'apt-get install gcc libc6-dev');
    return false;
  }
}

function boot(img: string, deadlineMs: number) {
  return new Promise<{ out: string; code: number | null }>((resolve) => {
    const qemu = spawn(
      'timeout',
      [
        '-k',
        '5',
        String(Math.ceil(deadlineMs / 1000)),
        'qemu-system-x86_64',
        '-machine',
        'q35',
        '-m',
        '256M',
        '-display',
        'none',
        '-serial',
        'stdio',
        '-no-reboot',
        '-drive',
        `if=none,id=hd0,format=raw,file=${img}`,
        '-device',
        'virtio-blk-pci,drive=hd0',
        '-device',
        'isa-debug-exit',
        '-accel',
        'tcg',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    qemu.stdout.on('data', (d) => (out += d));
    qemu.stderr.on('data', (d) => (out += d));
    qemu.on('close', (code) => resolve({ out, code }));
  });
}

const kernelDir = findKernelForTests();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.skipIf(!kernelDir || !hasGcc())(
  'boot an image from writeImage',
  () => {
    it('runs /hello with arguments and environment', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'skiff-boot-'));
      dirs.push(dir);
      await writeFile(join(dir, 'hello.c'), HELLO_C);
      const hello = join(dir, 'hello');
      execFileSync('gcc', [
        '-static',
        '-O1',
        '-o',
        hello,
        join(dir, 'hello.c'),
      ]);
      const host = async (path: string) => ({
        kind: 'host' as const,
        path,
        sizeBytes: (await stat(path)).size,
      });
      const img = join(dir, 'hello.img');
      await writeImage(
        {
          bootImage: await host(join(kernelDir!, 'boot.img')),
          kernel: await host(join(kernelDir!, 'kernel.img')),
          klibs: new Map(),
          root: {
            type: 'dir',
            children: new Map([
              ['hello', { type: 'file', source: await host(hello) }],
            ]),
          },
          manifest: new Map<string, TfsValue>([
            ['program', '/hello'],
            ['arguments', ['/hello', 'world']],
            ['environment', new Tuple([['FOO', 'bar']])],
            ['debug_exit', FLAG],
          ]),
        },
        img,
      );
      const reader = await openImage(img);
      expect(await checkBootable(reader)).toEqual([]);
      await reader.close();

      const { out, code } = await boot(img, 60_000);
      expect(out).toContain('hello from skiff image: /hello world FOO=bar');
      // debug_exit: QEMU exits with (code << 1) | 1.
      expect(code).toBe((3 << 1) | 1);
      // The kernel wrote its exit record into the KLOG gap and appended
      // records (after an 04 frame) to the rootfs log; both read back.
      const after = await openImage(img);
      const klog = await after.readKlog();
      expect(klog?.exitCode).toBe(3);
      expect(klog?.text).toContain('hello from skiff image');
      expect(after.root.records).toBeGreaterThan(1);
      expect((await after.readFile('/hello')).length).toBe(
        (await stat(hello)).size,
      );
      await after.close();
    }, 90_000);
  },
);
