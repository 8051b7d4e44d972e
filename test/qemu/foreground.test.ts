import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { RecordingLogger } from '../../src/log.js';
import { runQemuForeground } from '../../src/qemu/foreground.js';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'skiff-fg-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A stand-in for QEMU: a shell script with the given body. */
async function fakeQemu(body: string): Promise<string> {
  const path = join(tmp, 'fake qemu');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('runQemuForeground', () => {
  it('streams the console and decodes the debug-exit status', async () => {
    const qemu = await fakeQemu('echo "hello $1"; exit 7');
    const logger = new RecordingLogger();
    const r = await runQemuForeground(qemu, ['a b'], { logger });
    expect(logger.streamed.join('')).toBe('hello a b\n');
    expect(r).toMatchObject({ exitCode: 3, kind: 'app', qemuStatus: 7 });
  });

  it('turns a QEMU failure (status 1, stderr, no console) into an error', async () => {
    const qemu = await fakeQemu(
      'echo "qemu-system-x86_64: -drive x: Could not open" >&2; exit 1',
    );
    const err = (await runQemuForeground(qemu, [], {
      logger: new RecordingLogger(),
    }).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('QEMU_FAILED');
    expect(err.message).toContain('Could not open');
  });

  it('stops the VM on abort and returns 130', async () => {
    const qemu = await fakeQemu('echo started; exec sleep 30');
    const ac = new AbortController();
    const logger = new RecordingLogger();
    const started = Date.now();
    const run = runQemuForeground(qemu, [], {
      logger,
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 200);
    const r = await run;
    expect(r.exitCode).toBe(130);
    expect(r.kind).toBe('interrupted');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('kills a VM that ignores SIGTERM after the grace period', async () => {
    const qemu = await fakeQemu(
      'trap "" TERM; echo up; while :; do sleep 0.1; done',
    );
    const logger = new RecordingLogger();
    const r = await runQemuForeground(qemu, [], {
      logger,
      timeoutMs: 300,
      graceMs: 200,
    });
    expect(r).toMatchObject({ exitCode: 124, timedOut: true });
    expect(r.signal).toBe('SIGKILL');
  });

  it('explains a missing binary', async () => {
    const err = (await runQemuForeground(join(tmp, 'nope'), [], {
      logger: new RecordingLogger(),
    }).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('QEMU_START_FAILED');
    expect(err.hint).toContain('apt-get install qemu-system-x86');
  });
});
