// A per-attempt deadline for registry calls: the attempt is aborted when
// nothing arrives for a while (no response, or no bytes of the body), so
// a registry that accepts and never answers cannot hang a pull.

export const DEFAULT_STALL_MS = 30_000;

/** Why a stalled attempt was aborted; retried like a network error. */
export class StallError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: nothing received for ${ms / 1000} s`);
    this.name = 'StallError';
  }
}

export class StallWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Aborted on a stall or when `outer` (Ctrl-C) aborts. */
  readonly signal: AbortSignal;

  constructor(
    private readonly ms: number,
    private readonly what: string,
    outer?: AbortSignal,
  ) {
    this.signal = outer
      ? AbortSignal.any([outer, this.controller.signal])
      : this.controller.signal;
    this.touch();
  }

  /** Something arrived: the deadline starts over. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.controller.abort(new StallError(this.what, this.ms)),
      this.ms,
    );
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The body's chunks, each one resetting the deadline. */
  async *watch(
    body: AsyncIterable<Uint8Array>,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const chunk of body) {
      this.touch();
      yield chunk;
    }
  }
}
