// Which registries are on this host, decided as Docker decides it: the
// host is an address in 127.0.0.0/8 or ::1, or a name that resolves to
// one (localhost). Docker counts those as insecure registries by default
// (moby daemon registry config: loadInsecureRegistries always adds
// "::1/128" and "127.0.0.0/8"; isCIDRMatch resolves names), so they may
// be spoken to in plain HTTP without --insecure-registry.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Logger } from '../log.js';
import { abortError } from './abort.js';
import { DOCKER_HUB, DOCKER_HUB_API } from './reference.js';

/** Resolves a name to its addresses (node:dns lookup by default). */
export type ResolveHost = (name: string) => Promise<string[]>;

/** A name that does not resolve this fast is taken as not local. */
const LOOKUP_MS = 2000;

const systemResolve: ResolveHost = async (name) =>
  (await lookup(name, { all: true })).map((a) => a.address);

/** `host` of `host:port`, `[v6]:port` or a bare host. */
export function registryHostName(registry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
  if (bracketed) return bracketed[1]!;
  const colon = registry.lastIndexOf(':');
  return colon > 0 && isIP(registry) !== 6
    ? registry.slice(0, colon)
    : registry;
}

/** Docker's default insecure ranges. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 or ::1 (IPv4-mapped forms included). */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * True when the registry is on this host. Docker Hub never is; a name
 * that cannot be resolved (soon) is not.
 */
export async function isLocalRegistry(
  registry: string,
  resolve: ResolveHost = systemResolve,
): Promise<boolean> {
  if (registry === DOCKER_HUB || registry === DOCKER_HUB_API) return false;
  const host = registryHostName(registry);
  if (isIP(host)) return isLoopbackAddress(host);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((r) => {
    timer = setTimeout(() => r([]), LOOKUP_MS);
  });
  try {
    const addresses = await Promise.race([resolve(host), late]);
    return addresses.some(isLoopbackAddress);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface ChooseBaseOptions {
  registry: string;
  insecure?: boolean | undefined;
  resolveHost?: ResolveHost | undefined;
  /** One GET, no retries (under the caller's stall deadline). */
  get: (url: URL) => Promise<Response>;
  signal?: AbortSignal | undefined;
  logger: Logger;
}

/** Node's codes for a certificate it does not accept (tls.connect). */
export function isCertificateError(code: string | undefined): boolean {
  return /CERT|UNABLE_TO_|HOSTNAME_MISMATCH/.test(code ?? '');
}

/**
 * The base URL to use instead of `https://host`: `http://host` for a
 * registry on this host that has no HTTPS. Like Docker, HTTPS is tried
 * once first (GET /v2/): any HTTP answer keeps it, and so does a
 * certificate Node does not trust (Docker would skip the check: Skiff
 * does not, the error says how to trust it); any other failed
 * connection (no TLS there, or nothing listening) turns to plain HTTP.
 * Ctrl-C stays an abort. With `insecure` the caller already uses HTTP.
 */
export async function chooseRegistryBase(
  base: string,
  opts: ChooseBaseOptions,
): Promise<string> {
  if (opts.insecure) return base;
  if (!(await isLocalRegistry(opts.registry, opts.resolveHost))) return base;
  const probe = new URL('/v2/', base);
  try {
    const res = await opts.get(probe);
    await res.body?.cancel();
    return base;
  } catch (err) {
    if (opts.signal?.aborted) {
      throw abortError(opts.signal, `talking to registry ${probe.host}`);
    }
    const cause = (err as { cause?: { code?: string } }).cause;
    // A certificate was sent: HTTPS is there, plain HTTP would not be.
    if (isCertificateError(cause?.code)) return base;
    const why =
      cause?.code ?? (err instanceof Error ? err.message : String(err));
    opts.logger.debug(
      `registry ${opts.registry} is on this host and has no HTTPS ` +
        `(${why}): plain HTTP`,
    );
    return `http://${probe.host}`;
  }
}
