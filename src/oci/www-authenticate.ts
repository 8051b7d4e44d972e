// Parses a WWW-Authenticate header: `Bearer realm="...",service="..."`.

export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** One challenge (registries send one); undefined when absent. */
export function parseWwwAuthenticate(
  header: string | null,
): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const p of (m[2] ?? '').matchAll(re)) {
    const key = p[1]!.toLowerCase();
    params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1].toLowerCase(), params };
}
