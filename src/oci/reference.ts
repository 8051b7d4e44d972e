// Image references as Docker writes them (php:8.2-cli,
// localhost:5000/tools/php:8.2, ghcr.io/a/b@sha256:...), normalized to a
// registry host, a repository and a tag or digest.
import { UserError } from '../errors.js';

export const DOCKER_HUB = 'docker.io';
/** Docker Hub's API host: docker.io itself serves no registry API. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export interface ImageReference {
  /** As the user wrote it, for messages. */
  text: string;
  /** Host[:port]; docker.io for Docker Hub. */
  registry: string;
  /** e.g. library/php, tools/php. */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function invalid(text: string, why: string): UserError {
  return new UserError(
    'IMAGE_REF_INVALID',
    `invalid image reference "${text}": ${why}`,
    { hint: 'write it as [registry/]repository[:tag|@sha256:digest]' },
  );
}

/** Parses a reference; a missing tag means `latest`. */
export function parseImageReference(text: string): ImageReference {
  let rest = text.trim();
  if (rest === '') throw invalid(text, 'it is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(text, `bad digest "${digest}"`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `bad tag "${tag}"`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
  ) {
    registry = first;
    parts.shift();
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      throw invalid(text, `bad repository component "${part}"`);
    }
  }
  if (!tag && !digest) tag = 'latest';
  const ref: ImageReference = {
    text,
    registry,
    repository: parts.join('/'),
  };
  if (tag) ref.tag = tag;
  if (digest) ref.digest = digest;
  return ref;
}

/** The host to send API calls to. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** A short name and version a package can default to (php, 8.2-cli). */
export function defaultPackageNaming(ref: ImageReference): {
  name: string;
  version: string;
} {
  const base = ref.repository.split('/').pop() ?? ref.repository;
  const version = ref.tag ?? ref.digest?.slice(7, 19) ?? 'latest';
  return { name: base, version };
}
