// Size strings as config.json writes them: "512m", "2G", "1.5g", "10GiB".

const UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i;

/**
 * Parses a size into bytes. A bare number is bytes; the suffixes k, m, g
 * and t (any case, optionally followed by "b" or "iB") are powers of 1024.
 * Decimals are allowed ("1.5g") and rounded down to a whole byte. Throws a
 * plain Error whose message says what is wrong; callers add the key name.
 */
export function parseSize(text: string): number {
  const match = SIZE_RE.exec(text);
  if (!match) {
    throw new Error(
      `"${text}" is not a size: write a number with an optional k, m, g ` +
        `or t suffix, e.g. "512m" or "2g"`,
    );
  }
  const unit = UNITS[match[2]!.toLowerCase()]!;
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) {
    throw new Error(
      `"${text}" is too large: sizes go up to 8 PiB (e.g. "2t" is 2 TiB)`,
    );
  }
  return bytes;
}

/** True when `parseSize` accepts the text. */
export function isSize(text: string): boolean {
  return sizeProblem(text) === undefined;
}

/** Why `parseSize` refuses the text, or undefined when it takes it. */
export function sizeProblem(text: string): string | undefined {
  try {
    parseSize(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
