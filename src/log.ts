// The logger every module takes as a parameter: levels to stderr, results
// to stdout, secrets redacted before anything is written.
import { StringDecoder } from 'node:string_decoder';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** The command's result: a table line, a path, or a JSON document. */
  result(text: string): void;
  /** Raw program output (serial console), passed through unchanged. */
  stream(chunk: string | Uint8Array): void;
  /** Progress for long work; shown only on a TTY, never with --json. */
  progress(label: string, done: number, total?: number): void;
  /** Adds a value that must never be printed (token, key, secret env). */
  addSecret(value: string): void;
}

const LEVELS: Record<LogLevel, number> = {
  error: 0,
  warn: 1,
  info: 2,
  debug: 3,
};

export interface Writable {
  /**
   * Node's stream write: `callback` is called once the chunk is written,
   * with the error if it could not be (EPIPE when the reader left).
   */
  write(
    chunk: string | Uint8Array,
    callback?: (err?: Error | null) => void,
  ): unknown;
  isTTY?: boolean;
}

export interface ConsoleLoggerOptions {
  stdout: Writable;
  stderr: Writable;
  level: LogLevel;
  /** With --json, info lines still go to stderr but progress is silent. */
  json?: boolean;
}

/**
 * Token shapes redacted even when nobody registered them, as a backstop:
 * an HTTP Bearer or Basic credential, a Google OAuth access token.
 */
const TOKEN_SHAPES = /(\b(?:Bearer|Basic) +|\bya29\.)[A-Za-z0-9._~+/=-]{8,}/g;

/** Replaces every registered secret in `text` with `***`. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string): void {
    // Very short values would redact ordinary words; they are not secrets
    // worth the noise.
    if (value.length >= 4) this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out.replace(TOKEN_SHAPES, (_m, prefix: string) => `${prefix}***`);
  }
}

export function createConsoleLogger(options: ConsoleLoggerOptions): Logger {
  const redactor = new Redactor();
  const max = LEVELS[options.level];
  const showProgress = !options.json && options.stderr.isTTY === true;
  let progressShown = false;

  const line = (level: LogLevel, prefix: string, message: string) => {
    if (LEVELS[level] > max) return;
    if (progressShown) {
      options.stderr.write('\r\x1b[K');
      progressShown = false;
    }
    options.stderr.write(`${prefix}${redactor.redact(message)}\n`);
  };

  return {
    error: (m) => line('error', 'error: ', m),
    warn: (m) => line('warn', 'warning: ', m),
    info: (m) => line('info', '', m),
    debug: (m) => line('debug', 'debug: ', m),
    result: (text) => {
      options.stdout.write(`${redactor.redact(text)}\n`);
    },
    stream: (chunk) => {
      options.stdout.write(chunk);
    },
    progress: (label, done, total) => {
      if (!showProgress) return;
      const pct = total ? ` ${Math.floor((done / total) * 100)}%` : '';
      options.stderr.write(`\r\x1b[K${label}${pct} (${formatBytes(done)})`);
      progressShown = true;
    },
    addSecret: (value) => redactor.add(value),
  };
}

export interface RecordedLine {
  level: LogLevel | 'result' | 'progress';
  message: string;
}

/** A logger for tests: keeps every line, redacted as a real one would be. */
export class RecordingLogger implements Logger {
  readonly lines: RecordedLine[] = [];
  readonly streamed: string[] = [];
  /** Guest output may split a character between two chunks. */
  private readonly decoder = new StringDecoder('utf8');
  private readonly redactor = new Redactor();

  private push(level: RecordedLine['level'], message: string): void {
    this.lines.push({ level, message: this.redactor.redact(message) });
  }

  error(m: string): void {
    this.push('error', m);
  }
  warn(m: string): void {
    this.push('warn', m);
  }
  info(m: string): void {
    this.push('info', m);
  }
  debug(m: string): void {
    this.push('debug', m);
  }
  result(text: string): void {
    this.push('result', text);
  }
  stream(chunk: string | Uint8Array): void {
    this.streamed.push(
      typeof chunk === 'string' ? chunk : this.decoder.write(chunk),
    );
  }
  progress(label: string, done: number, total?: number): void {
    this.push('progress', `${label} ${done}/${total ?? '?'}`);
  }
  addSecret(value: string): void {
    this.redactor.add(value);
  }

  /** Everything printed, one string, for "no secret appears" assertions. */
  text(): string {
    return [...this.lines.map((l) => l.message), ...this.streamed].join('\n');
  }
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  result() {},
  stream() {},
  progress() {},
  addSecret() {},
};

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
