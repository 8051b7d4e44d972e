// An in-process s3rver on 127.0.0.1 with a throw-away directory, for tests
// that need real S3 multipart uploads without the internet.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverInstance {
  httpServer: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver accepts this key id; it does not verify SigV4 signatures. */
export const S3RVER_ACCESS_KEY_ID = 'S3RVER';

export interface RunningS3rver {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  directory: string;
  /** `METHOD /path?query` of every request served, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startS3rver(buckets: string[]): Promise<RunningS3rver> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverClass;
  const directory = await mkdtemp(join(tmpdir(), 'skiff-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer.on('request', (req) => {
    requests.push(`${req.method} ${req.url}`);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    requests,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
