// Errors that used to point the wrong way: an address not on this host,
// a port clash on `instance start` (which has no -p), a file that is no
// image at all, a Nanos folder that cannot be read.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkiffError } from '../../src/errors.js';
import { openImage } from '../../src/image/read.js';
import { checkHostPortsFree } from '../../src/qemu/ports.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-misleading-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<SkiffError> {
  const err = await p.then(() => undefined).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SkiffError);
  return err as SkiffError;
}

describe('errors that name the real problem', () => {
  it('says a --publish-addr is not an address of this host', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never a local address.
    const err = await failure(
      checkHostPortsFree(
        [{ protocol: 'tcp', hostPort: 18080, guestPort: 8080 }],
        '192.0.2.1',
      ),
    );
    expect(err.code).toBe('PUBLISH_ADDR_INVALID');
    expect(err.message).toContain('192.0.2.1 is not an address of this host');
    expect(err.hint).toContain('--publish-addr');
  });

  it('does not offer -p where the command has none', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ports = [
        { protocol: 'tcp' as const, hostPort: port, guestPort: 80 },
      ];
      const start = await failure(checkHostPortsFree(ports, '0.0.0.0', false));
      expect(start.hint).toContain('create it again with -p <free>:80');
      expect(start.hint).not.toContain('map another host port');
      const run = await failure(checkHostPortsFree(ports, '0.0.0.0'));
      expect(run.hint).toContain('map another host port: -p <free>:80');
    } finally {
      server.close();
    }
  });

  it('calls a source file "not a Nanos disk image"', async () => {
    const file = join(dir, 'hello.c');
    await writeFile(file, 'int main(void) { return 0; }\n');
    const err = await failure(openImage(file));
    expect(err.code).toBe('IMAGE_INVALID');
    expect(err.message).toBe(
      `${file} is not a Nanos disk image (no partition table, no TFS)`,
    );
  });
});
