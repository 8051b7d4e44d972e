// QEMU side of a boot, without the manifest builder: a hand-made ImageSpec
// (static exit3 at /exit3, debug_exit) written by writeImage, booted with
// buildQemuArgv + runQemuForeground under TCG.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/image/write.js';
import type { ImageSpec } from '../../src/image/tree.js';
import { RecordingLogger } from '../../src/log.js';
import { buildQemuArgv } from '../../src/qemu/argv.js';
import { runQemuForeground } from '../../src/qemu/foreground.js';
import { FLAG, Tuple, type TfsValue } from '../../src/tfs/value.js';
import { findKernelForTests } from '../helpers/kernel.js';

const kernel = findKernelForTests();
const fixture = join(import.meta.dirname, '../fixtures/c/exit3.c');

async function hostFile(path: string) {
  return { kind: 'host' as const, path, sizeBytes: (await stat(path)).size };
}

describe.skipIf(!kernel)('QEMU boot of a hand-made image', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'skiff qemu boot '));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('boots under TCG and returns the app exit code', async () => {
    const program = join(tmp, 'exit3');
    execFileSync('gcc', ['-static', '-O2', '-o', program, fixture]);
    const spec: ImageSpec = {
      bootImage: await hostFile(join(kernel!, 'boot.img')),
      kernel: await hostFile(join(kernel!, 'kernel.img')),
      klibs: new Map(),
      root: {
        type: 'dir',
        children: new Map([
          ['exit3', { type: 'file', source: await hostFile(program) }],
        ]),
      },
      manifest: new Map<string, TfsValue>([
        ['program', '/exit3'],
        ['arguments', ['/exit3']],
        ['environment', new Tuple()],
        ['debug_exit', FLAG],
      ]),
    };
    const image = join(tmp, 'disk with space.img');
    await writeImage(spec, image, {});

    const logger = new RecordingLogger();
    const started = Date.now();
    const result = await runQemuForeground(
      'qemu-system-x86_64',
      buildQemuArgv({
        imagePath: image,
        memoryBytes: 256 * 1024 * 1024,
        cpus: 1,
        accel: 'tcg',
        ports: [],
        serial: { kind: 'stdio' },
      }),
      { logger, timeoutMs: 60_000 },
    );
    const elapsed = Date.now() - started;
    expect(logger.streamed.join('')).toContain('about to exit 3');
    expect(result).toMatchObject({ kind: 'app', exitCode: 3, qemuStatus: 7 });
    console.log(`boot to exit: ${elapsed} ms`);
  });
});
