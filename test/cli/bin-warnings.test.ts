// bin/skiff.js (it runs dist/: `npm run build` first) drops the AWS SDK's
// NodeVersionSupportWarning and gcp-metadata's MetadataLookupWarning,
// which no Skiff user can act on, and keeps every other warning.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

async function bin(args: string[], nodeArgs: string[] = []) {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'us-east-1',
    // Nothing listens there: the call fails at once, offline.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  };
  return run(
    process.execPath,
    [...nodeArgs, join(root, 'bin/skiff.js'), ...args],
    {
      env,
    },
  ).catch((err: { stdout: string; stderr: string }) => err);
}

describe('bin/skiff.js warnings', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/src/cli/main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first');
    }
  });

  it('drops the AWS SDK Node version warning', async () => {
    const { stderr } = await bin(['instance', 'list', '-t', 'aws']);
    expect(stderr).toContain('127.0.0.1:9');
    expect(stderr).not.toContain('NodeVersionSupportWarning');
  });

  it("drops gcp-metadata's MetadataLookupWarning", async () => {
    // gcp-metadata emits it as (message, 'MetadataLookupWarning') when
    // its probe of the metadata server gets an unexpected error.
    const probe = emitOnceBinIsReady(
      '"received unexpected error = socket hang up code = ECONNRESET", ' +
        '"MetadataLookupWarning"',
    );
    const { stderr } = await bin(['nanos', 'list'], ['--import', probe]);
    expect(stderr).not.toContain('MetadataLookupWarning');
    expect(stderr).not.toContain('socket hang up');
  });

  it('keeps other warnings', async () => {
    const later = emitOnceBinIsReady('"SomethingElse: keep me"');
    const { stderr } = await bin(['nanos', 'list'], ['--import', later]);
    expect(stderr).toContain('SomethingElse: keep me');
  });
});

/**
 * A preload that emits a warning once the bin has installed its filter
 * (process.emitWarning replaced), however long loading takes. Without a
 * filter it never emits and keeps the process alive: the test times out.
 */
function emitOnceBinIsReady(args: string): string {
  return (
    'data:text/javascript,const original = process.emitWarning;' +
    'const timer = setInterval(() => {' +
    'if (process.emitWarning === original) return;' +
    `clearInterval(timer); process.emitWarning(${args}); }, 5)`
  );
}
