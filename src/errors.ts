// Skiff's error model: one base class with a stable code, a hint, a cause.

export interface SkiffErrorOptions {
  /** What the user can do about it: a flag, a key, a command. */
  hint?: string;
  cause?: unknown;
  /**
   * What the command had done when it failed (`{deleted: [...]}`):
   * printed beside the error with --json.
   */
  done?: Record<string, unknown>;
}

/** Base class. `code` is stable and machine-readable (e.g. CONFIG_INVALID). */
export class SkiffError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly done: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: SkiffErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.done = options.done;
  }
}

/** Bad input: config, flags, files the user pointed at. */
export class UserError extends SkiffError {}

/** A failure of the machine Skiff runs on: qemu missing, disk full. */
export class EnvironmentError extends SkiffError {}

export interface CloudErrorOptions extends SkiffErrorOptions {
  status?: number;
  retryable?: boolean;
}

/** A cloud API call failed. The message names the step and the resource. */
export class CloudError extends SkiffError {
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: CloudErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * A cloud call that may well succeed if simply made again: throttling,
 * a 5xx, a dropped connection (the adapters set `retryable`).
 */
export function isRetryable(err: unknown): boolean {
  return err instanceof CloudError && err.retryable;
}

/** The user interrupted (Ctrl-C) or a deadline passed. */
export class AbortError extends SkiffError {
  constructor(message = 'interrupted', options: SkiffErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

/** Node system errors carry a string `code` such as ENOENT. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Where each kind of output goes, for a full or read-only disk. */
const ELSEWHERE =
  'skiff build -o PATH for an image; SKIFF_HOME for run, images, ' +
  'instances and packages; SKIFF_CACHE_DIR for downloads';

/**
 * Turns a file-system failure into a SkiffError that names the path and a
 * likely fix. Other errors pass through unchanged.
 */
export function describeFsError(
  err: unknown,
  action: string,
  path: string,
): unknown {
  const code = errnoCode(err);
  switch (code) {
    case 'ENOENT':
      return new UserError(
        'FILE_NOT_FOUND',
        `${action}: ${path} does not exist`,
        {
          cause: err,
        },
      );
    case 'EISDIR':
      return new UserError(
        'IS_A_FOLDER',
        `${action}: ${path} is a folder, not a file`,
        { cause: err, hint: 'name a file' },
      );
    case 'EACCES':
    case 'EPERM':
      return new EnvironmentError(
        'PERMISSION_DENIED',
        `${action}: permission denied on ${path}`,
        {
          cause: err,
          hint: 'check the file permissions or choose another path',
        },
      );
    case 'ENOSPC':
      return new EnvironmentError(
        'DISK_FULL',
        `${action}: no space left for ${path}`,
        {
          cause: err,
          hint: `free some disk space, or write elsewhere: ${ELSEWHERE}`,
        },
      );
    case 'EROFS':
      return new EnvironmentError(
        'READ_ONLY_FS',
        `${action}: ${path} is on a read-only file system`,
        { cause: err, hint: `write elsewhere: ${ELSEWHERE}` },
      );
    default:
      return err;
  }
}

/**
 * describeFsError for a full or read-only disk only: the fault of the
 * folder written to, which `path` names (Node's message names none, or a
 * temp file). Every other error passes through unchanged.
 */
export function describeDiskError(
  err: unknown,
  action: string,
  path: string,
): unknown {
  const code = errnoCode(err);
  if (code !== 'ENOSPC' && code !== 'EROFS') return err;
  return describeFsError(err, action, path);
}

/**
 * The same error, its message, hint and causes passed through `reword`:
 * a temp folder's path becomes the one the user knows. Code, class and
 * stack stay. Other values pass through unchanged.
 */
export function rewordError(
  err: unknown,
  reword: (text: string) => string,
): unknown {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; depth++) {
    e.message = reword(e.message);
    if (e instanceof SkiffError && e.hint !== undefined) {
      Object.defineProperty(e, 'hint', { value: reword(e.hint) });
    }
    e = e.cause;
  }
  return err;
}

/**
 * `text` with control characters (but line breaks and tabs) as "?": an
 * error may quote what a server sent, and raw bytes such as ESC would
 * drive the user's terminal. Cut past `maxChars`, saying how long it was.
 */
export function printableText(text: string, maxChars = Infinity): string {
  const clean = text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/g,
    '?',
  );
  return clean.length > maxChars
    ? `${clean.slice(0, maxChars)}... (${clean.length} characters)`
    : clean;
}

/** "a", "a and b", "a, b and c": a list of names inside a sentence. */
export function joinWords(words: readonly string[]): string {
  if (words.length < 2) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
