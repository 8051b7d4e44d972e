// Access tokens never reach a log line, whichever client fetched them and
// however often they are refreshed: the fake hands out a new, short-lived
// token for every metadata request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../src/cli/context.js';
import { renderError } from '../../../src/cli/render-error.js';
import { RecordingLogger } from '../../../src/log.js';
import { setupGcp, type GcpTestEnv } from './setup.js';

let env: GcpTestEnv;

beforeAll(async () => {
  // Under google-auth-library's 5-minute refresh margin: every request
  // refreshes, so each one carries a token no other request used.
  env = await setupGcp({ rotateTokens: true, tokenTtlSeconds: 60 });
});

afterAll(async () => {
  await env.close();
});

beforeEach(() => {
  env.fake.instances.clear();
  env.fake.instances.set('sf', {
    name: 'sf',
    status: 'RUNNING',
    labels: { 'managed-by': 'skiff', 'skiff-image': 'sf-console' },
  });
});

function cliContext(logger: RecordingLogger): CliContext {
  const drop = { write: () => true };
  return {
    logger,
    json: false,
    debug: true,
    io: { env: {}, stdout: drop, stderr: drop, cwd: '/' },
    paths: { cacheDir: '/', dataDir: '/', stateDir: '/' },
  };
}

function expectNoToken(text: string): void {
  expect(env.fake.issuedTokens.length).toBeGreaterThan(1);
  for (const token of env.fake.issuedTokens) {
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice('ya29.'.length));
  }
}

describe('GCP token redaction', () => {
  it('redacts a refreshed token echoed by a failing instance call', async () => {
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger);
    env.fake.failNext = {
      pathIncludes: '/instances/sf/stop',
      status: 403,
      reason: 'forbidden',
      message: 'denied for {auth}',
    };
    const err = await gcp.stopInstance('sf').catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/denied for Bearer ya29/);

    renderError(err, cliContext(logger));
    const text = logger.text();
    expect(text).toContain('denied for Bearer ***');
    expectNoToken(text);
  });

  it('redacts the tokens of the firewall and operation clients', async () => {
    const logger = new RecordingLogger();
    const gcp = await env.provider(logger);
    env.fake.images.set('sf-console', {
      name: 'sf-console',
      diskSizeGb: '1',
      labels: { 'managed-by': 'skiff' },
    });
    env.fake.failNext = {
      pathIncludes: '/global/firewalls',
      method: 'POST',
      status: 403,
      reason: 'forbidden',
      message: 'denied for {auth}',
    };
    const err = await gcp
      .createInstance({
        name: 'web',
        imageName: 'sf-console',
        config: { manifestPassthrough: {} } as never,
        ports: [{ protocol: 'tcp', hostPort: 80, guestPort: 80 }],
      })
      .catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/denied for Bearer ya29/);

    renderError(err, cliContext(logger));
    expectNoToken(logger.text());
  });
});
