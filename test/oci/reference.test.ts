import { describe, expect, it } from 'vitest';
import {
  parseImageReference,
  registryApiHost,
} from '../../src/oci/reference.js';
import { parseImageSource } from '../../src/oci/image-source.js';

describe('parseImageReference', () => {
  it.each([
    ['php:8.2-cli', 'docker.io', 'library/php', '8.2-cli'],
    ['php', 'docker.io', 'library/php', 'latest'],
    ['bitnami/php-fpm:8', 'docker.io', 'bitnami/php-fpm', '8'],
    ['localhost:5000/tools/php:8.2', 'localhost:5000', 'tools/php', '8.2'],
    ['127.0.0.1:5000/php:8.2', '127.0.0.1:5000', 'php', '8.2'],
    ['ghcr.io/a/b/c:v1', 'ghcr.io', 'a/b/c', 'v1'],
    ['index.docker.io/library/node', 'docker.io', 'library/node', 'latest'],
  ])('%s', (text, registry, repository, tag) => {
    expect(parseImageReference(text)).toMatchObject({
      registry,
      repository,
      tag,
    });
  });

  it('keeps a digest and needs no tag', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    const r = parseImageReference(`php@${d}`);
    expect(r.digest).toBe(d);
    expect(r.tag).toBeUndefined();
  });

  it.each(['', 'PHP:8', 'php:-bad', 'php@sha256:xyz', 'a//b'])(
    'rejects %j with the value in the message',
    (text) => {
      expect(() => parseImageReference(text)).toThrow(
        expect.objectContaining({ code: 'IMAGE_REF_INVALID' }),
      );
    },
  );

  it('sends Docker Hub calls to registry-1.docker.io', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('localhost:5000')).toBe('localhost:5000');
  });
});

describe('parseImageSource', () => {
  it('reads transports like skopeo', () => {
    expect(parseImageSource('docker-archive:php.tar', '/w')).toEqual({
      kind: 'docker-archive',
      path: '/w/php.tar',
    });
    expect(parseImageSource('oci:./layout:8.2', '/w')).toEqual({
      kind: 'oci-layout',
      path: '/w/layout',
      ref: '8.2',
    });
    expect(parseImageSource('docker://php:8', '/w')).toMatchObject({
      kind: 'registry',
      ref: { repository: 'library/php', tag: '8' },
    });
    expect(parseImageSource('localhost:5000/php:8', '/w')).toMatchObject({
      kind: 'registry',
      ref: { registry: 'localhost:5000' },
    });
  });
});
