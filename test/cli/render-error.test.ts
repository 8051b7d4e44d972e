// Error rendering through main(): plain text when piped, dimmed cause on
// a terminal, JSON with --json, and 130 when the user interrupted.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

function io(opts: { tty?: boolean; signal?: AbortSignal } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      env: { SKIFF_HOME: '/nonexistent-skiff-home' },
      stdout: { write: (s: string | Uint8Array) => out.push(String(s)) },
      stderr: {
        write: (s: string | Uint8Array) => err.push(String(s)),
        isTTY: opts.tty,
      },
      cwd: '/',
      signal: opts.signal,
    },
  };
}

// A config file that does not exist: a UserError with an errno cause.
const argv = ['build', '/bin/true', '-c', '/nonexistent/config.json'];

describe('renderError', () => {
  it('prints no escape codes when stderr is not a terminal', async () => {
    const run = io();
    expect(await main(argv, run.io)).toBe(1);
    const text = run.err.join('');
    expect(text).toContain('caused by: ENOENT');
    expect(text).not.toContain('\x1b[');
  });

  it('dims the cause on a terminal', async () => {
    const run = io({ tty: true });
    expect(await main(argv, run.io)).toBe(1);
    const text = run.err.join('');
    expect(text).toContain('\x1b[2mcaused by: ENOENT');
  });

  it('shows control bytes in a message as "?", never raw', async () => {
    const run = io();
    const path = '/nonexistent/\x1b[31mred\x07.json';
    expect(await main(['build', '/bin/true', '-c', path], run.io)).toBe(1);
    const text = run.err.join('');
    expect(text).toContain('/nonexistent/?[31mred?.json');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    // JSON keeps the bytes, escaped.
    const json = io();
    await main(['--json', 'build', '/bin/true', '-c', path], json.io);
    expect(JSON.parse(json.out.join('')).error.message).toContain(path);
  });

  it('prints one JSON error document with --json', async () => {
    const run = io();
    expect(await main(['--json', ...argv], run.io)).toBe(1);
    const doc = JSON.parse(run.out.join('')) as {
      error: { code: string; message: string };
    };
    expect(doc.error.message).toContain('/nonexistent/config.json');
    expect(doc.error.code).toMatch(/^[A-Z_]+$/);
  });

  it('exits 130 when the command failed after an interrupt', async () => {
    const controller = new AbortController();
    controller.abort(new Error('received SIGINT'));
    const run = io({ signal: controller.signal });
    expect(await main(argv, run.io)).toBe(130);
  });
});
