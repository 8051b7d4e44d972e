// The logger's redaction: registered secrets, and token shapes nobody
// registered (a backstop for SDK error text that echoes a header).
import { describe, expect, it } from 'vitest';
import { createConsoleLogger, Redactor } from '../../src/log.js';

describe('Redactor', () => {
  it('replaces registered secrets wherever they occur', () => {
    const r = new Redactor();
    r.add('s3cr3t-value');
    expect(r.redact('key=s3cr3t-value, again s3cr3t-value')).toBe(
      'key=***, again ***',
    );
  });

  it('redacts bearer, basic and Google access tokens by shape', () => {
    const r = new Redactor();
    expect(r.redact('denied for Bearer ya29.a0AfB_byC-123456789')).toBe(
      'denied for Bearer ***',
    );
    expect(r.redact('Authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe(
      'Authorization: Basic ***',
    );
    expect(r.redact('token ya29.c.b0Aaekm1KqZ9xyz')).toBe('token ya29.***');
  });

  it('leaves ordinary words alone', () => {
    const r = new Redactor();
    const text = 'basic checks passed; the Bearer of news';
    expect(r.redact(text)).toBe(text);
  });

  it('redacts both log lines and results of a console logger', () => {
    const out: string[] = [];
    const err: string[] = [];
    const logger = createConsoleLogger({
      stdout: { write: (s) => out.push(String(s)) },
      stderr: { write: (s) => err.push(String(s)) },
      level: 'debug',
    });
    logger.addSecret('hunter2-password');
    logger.debug('login with hunter2-password');
    logger.result('{"auth":"Bearer abcdefgh12345678"}');
    expect(err.join('')).toBe('debug: login with ***\n');
    expect(out.join('')).toBe('{"auth":"Bearer ***"}\n');
  });
});
