// A guest that resets instead of exiting (here: far too little memory,
// below what the CLI accepts, so the run is driven from the library) is
// an error, not exit 0.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../src/build/pipeline.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { SkiffError } from '../../src/errors.js';
import { RecordingLogger } from '../../src/log.js';
import { resolvePaths } from '../../src/paths.js';
import { findQemu } from '../../src/qemu/find-qemu.js';
import { runImageForeground } from '../../src/qemu/local-run.js';
import { findKernelForTests } from '../helpers/kernel.js';
import { compileC, tempHome } from '../helpers/cli-run.js';

const kernel = findKernelForTests();
const fixture = join(import.meta.dirname, '../fixtures/c/exit3.c');

describe.skipIf(!kernel)('skiff run: a guest that resets', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let program: string;

  beforeAll(async () => {
    home = await tempHome();
    program = await compileC(fixture, join(home.dir, 'exit3'));
  });
  afterAll(() => home.cleanup());

  it('reports VM_RESET when QEMU ends with status 0', async () => {
    const paths = resolvePaths(home.env);
    const logger = new RecordingLogger();
    const config = await resolveConfig(
      {},
      {
        baseDir: home.dir,
        cwd: home.dir,
        programArg: program,
      },
    );
    // 8 MiB: Nanos 0.1.54 resets in the loader; -no-reboot makes QEMU exit 0.
    config.run.memoryBytes = 8 * 1024 * 1024;
    config.run.accel = 'tcg';
    const image = await buildImage({
      config,
      outPath: join(home.dir, 'exit3.img'),
      localRun: true,
      nanosDir: kernel,
      paths,
      logger,
    });
    const err = await runImageForeground({
      qemuPath: await findQemu(process.env.PATH),
      image,
      config,
      paths,
      logger,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkiffError);
    expect((err as SkiffError).code).toBe('VM_RESET');
  });
});
