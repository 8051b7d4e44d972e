import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { formatBytes, RecordingLogger } from '../../src/log.js';
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

  it('says to lower -m when QEMU cannot set up the guest memory', async () => {
    const qemu = await fakeQemu(
      "echo \"qemu-system-x86_64: cannot set up guest memory 'pc.ram': " +
        'Cannot allocate memory" >&2; exit 1',
    );
    const err = (await runQemuForeground(qemu, [], {
      logger: new RecordingLogger(),
      memoryBytes: 100 * 1024 ** 3,
    }).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('QEMU_FAILED');
    expect(err.hint).toBe(
      'lower -m or RunConfig.Memory: 100.0 GiB asked for, this host has ' +
        formatBytes(totalmem()),
    );
  });

  it('turns status 0 with debug_exit into a VM_RESET error', async () => {
    const qemu = await fakeQemu(
      'printf "boot\\npage fault in kernel\\n"; exit 0',
    );
    const err = (await runQemuForeground(qemu, [], {
      logger: new RecordingLogger(),
      debugExit: true,
    }).catch((e) => e)) as SkiffError;
    expect(err).toBeInstanceOf(SkiffError);
    expect(err.code).toBe('VM_RESET');
    expect(err.message).toContain('without reporting an exit code');
    expect(err.message).toContain('"boot", "page fault in kernel"');
    expect(err.hint).toContain('-m');
  });

  it('keeps status 0 as exit 0 without debug_exit', async () => {
    const qemu = await fakeQemu('exit 0');
    const r = await runQemuForeground(qemu, [], {
      logger: new RecordingLogger(),
    });
    expect(r).toMatchObject({ exitCode: 0, kind: 'poweroff' });
  });

  it('names a signal QEMU caught from outside', async () => {
    const qemu = await fakeQemu(
      'echo up; echo "qemu: terminating on signal 15 from pid 42" >&2; exit 0',
    );
    const err = (await runQemuForeground(qemu, [], {
      logger: new RecordingLogger(),
      debugExit: true,
    }).catch((e) => e)) as SkiffError;
    expect(err.code).toBe('QEMU_KILLED');
    expect(err.message).toContain('terminating on signal 15 from pid 42');
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
