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
});
