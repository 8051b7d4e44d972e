// `skiff build -t gcp` finds GCP's artifact writer once the build command
// module is loaded.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactWriterFor } from '../../../src/build/artifact.js';
import '../../../src/cli/commands/build.js';
import { RecordingLogger } from '../../../src/log.js';
import { compileC, runCli, tempHome } from '../../helpers/cli-run.js';

const hello = join(import.meta.dirname, '../../../examples/hello-c/hello.c');

describe('skiff build -t gcp', () => {
  it('has a writer that packs the raw image as a tar.gz', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-gcp-build-'));
    try {
      const raw = join(dir, 'disk.raw');
      await writeFile(raw, randomBytes(4096));
      const writer = artifactWriterFor('gcp')!;
      const logger = new RecordingLogger();
      const out = await writer(
        { path: raw, sizeBytes: 4096, uefi: false, arch: 'x86_64' },
        join(dir, 'server.tar.gz'),
        { logger },
      );
      expect(out).toBe(join(dir, 'server.tar.gz'));
      expect((await stat(out)).size).toBeGreaterThan(4096);
      expect(logger.text()).toContain('disk.raw 1.0 GiB');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('warns, before building, when -o does not end in .tar.gz', async () => {
    const home = await tempHome();
    try {
      await compileC(hello, join(home.dir, 'hello'));
      const run = await runCli(
        ['build', './hello', '-t', 'gcp', '-o', 'server.raw'],
        // No Nanos release there: the build fails after the warning.
        { cwd: home.dir, env: { ...home.env, SKIFF_NANOS_DIR: home.dir } },
      );
      expect(run.stderr).toMatch(
        /^warning: server\.raw will hold a tar\.gz .*server\.tar\.gz/m,
      );
      const ok = await runCli(
        ['build', './hello', '-t', 'gcp', '-o', 'server.tar.gz'],
        { cwd: home.dir, env: { ...home.env, SKIFF_NANOS_DIR: home.dir } },
      );
      expect(ok.stderr).not.toContain('warning');
    } finally {
      await home.cleanup();
    }
  }, 60_000);
});
