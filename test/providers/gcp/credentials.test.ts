// Without any credentials the user gets a clear error and the fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupGcp, type GcpTestEnv } from './setup.js';

let env: GcpTestEnv;

beforeAll(async () => {
  env = await setupGcp();
});

afterAll(async () => {
  await env.close();
});

describe('GCP credentials', () => {
  it('says how to log in when ADC finds nothing', async () => {
    // A closed port: no metadata server, no key file, no gcloud login.
    process.env.GCE_METADATA_HOST = '127.0.0.1:1';
    const gcp = await env.provider();
    await expect(gcp.listImages()).rejects.toMatchObject({
      code: 'GCP_NO_CREDENTIALS',
      hint: expect.stringContaining('gcloud auth application-default login'),
    });
    expect(env.fake.requests).toEqual([]);
  }, 30_000);

  it('names a key file that does not exist', async () => {
    const gcp = await env.provider(undefined, undefined, {
      GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/sa.json',
    });
    await expect(gcp.listInstances()).rejects.toMatchObject({
      code: 'GCP_KEY_FILE_MISSING',
      message: expect.stringContaining('/nonexistent/sa.json'),
    });
  });
});
