// An unreadable --nanos-dir is a permission problem, not "lacks
// kernel.img". Tests run as root here, which reads everything, so the
// EACCES comes from a stubbed fs.stat for that one folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const locked = join(tmpdir(), 'skiff-locked-nanos');

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    stat: (path: string, ...rest: unknown[]) => {
      if (String(path).startsWith(locked)) {
        const err = new Error(`EACCES: permission denied, stat '${path}'`);
        return Promise.reject(Object.assign(err, { code: 'EACCES' }));
      }
      return (real.stat as (...a: unknown[]) => unknown)(path, ...rest);
    },
  };
});

const { resolveNanosRelease } = await import('../../src/nanos/release.js');
const { RecordingLogger } = await import('../../src/log.js');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-nanos-access-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('--nanos-dir permissions', () => {
  it('reports permission denied, naming the file', async () => {
    const err = await resolveNanosRelease({
      dir: locked,
      paths: { cacheDir: tmp, dataDir: tmp, stateDir: tmp },
      logger: new RecordingLogger(),
    }).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((err as Error).message).toContain(join(locked, 'kernel.img'));
    expect((err as Error).message).not.toContain('lacks');
  });

  it('still says "lacks kernel.img" for a folder without one', async () => {
    await writeFile(join(tmp, 'boot.img'), 'x');
    const err = await resolveNanosRelease({
      dir: tmp,
      paths: { cacheDir: tmp, dataDir: tmp, stateDir: tmp },
      logger: new RecordingLogger(),
    }).catch((e: Error) => e);
    expect((err as Error).message).toContain('lacks kernel.img');
  });
});
