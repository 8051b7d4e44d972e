// A local path given where a registry reference belongs is named as a
// path, with the transport that reads it, before any network.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImageSource } from '../../src/oci/image-source.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-source-'));
  await mkdir(join(dir, 'fx'));
  await writeFile(join(dir, 'fx', 'oci-layout'), '{}');
  await mkdir(join(dir, 'plain'));
  await writeFile(join(dir, 'cmd.tar'), 'tar');
  await writeFile(join(dir, 'saved'), 'tar');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const parse = (text: string) => () => parseImageSource(text, dir);

describe('parseImageSource with a local path', () => {
  it('suggests oci: for a layout folder', () => {
    for (const text of ['./fx', 'fx', join(dir, 'fx')]) {
      expect(parse(text)).toThrow(
        expect.objectContaining({
          code: 'IMAGE_SOURCE_IS_PATH',
          message: expect.stringContaining('is an OCI layout folder'),
          hint: expect.stringContaining(`write oci:${text}`),
        }),
      );
    }
  });

  it('suggests docker-archive: for a file', () => {
    for (const text of ['./cmd.tar', 'saved', join(dir, 'cmd.tar')]) {
      expect(parse(text)).toThrow(
        expect.objectContaining({
          code: 'IMAGE_SOURCE_IS_PATH',
          hint: `for a \`docker save\` tarball write docker-archive:${text}`,
        }),
      );
    }
  });

  it('says a path that does not exist is one', () => {
    expect(parse('/tmp/skiff-nothing/cmd.tar')).toThrow(
      expect.objectContaining({
        code: 'IMAGE_SOURCE_IS_PATH',
        message:
          '"/tmp/skiff-nothing/cmd.tar" is a path, not an image reference, ' +
          'and /tmp/skiff-nothing/cmd.tar does not exist',
      }),
    );
    expect(parse('../elsewhere')).toThrow(
      expect.objectContaining({ code: 'IMAGE_SOURCE_IS_PATH' }),
    );
  });

  it('says a folder written as a path is no layout', () => {
    expect(parse('./plain')).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('not an OCI layout'),
      }),
    );
  });

  it('takes a bare name of a plain folder, or docker://, as a registry', () => {
    expect(parseImageSource('plain', dir)).toMatchObject({
      kind: 'registry',
      ref: { repository: 'library/plain' },
    });
    expect(parseImageSource('docker://fx', dir)).toMatchObject({
      kind: 'registry',
      ref: { repository: 'library/fx' },
    });
  });
});
