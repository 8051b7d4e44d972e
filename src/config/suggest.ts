// "Did you mean Args?": the closest known key to a mistyped one.

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + cost);
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * The known key closest to `key`: a case-insensitive match first, then the
 * smallest edit distance if it is at most a third of the key's length.
 */
export function closestKey(key: string, known: string[]): string | undefined {
  const lower = key.toLowerCase();
  const same = known.find((k) => k.toLowerCase() === lower);
  if (same) return same;
  let best: string | undefined;
  let bestScore = Math.max(1, Math.floor(key.length / 3));
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d <= bestScore) {
      best = k;
      bestScore = d - 1;
    }
  }
  return best;
}
