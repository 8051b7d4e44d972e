// Without any credentials the user gets a clear error and the fix.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

  it('names a key file that cannot be used', async () => {
    const key = join(env.dir, 'broken-sa.json');
    await writeFile(
      key,
      JSON.stringify({
        type: 'service_account',
        project_id: 'skiff-test',
        client_email: 'ci@skiff-test.iam.gserviceaccount.com',
        private_key:
          '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
      }),
    );
    const gcp = await env.provider(undefined, undefined, {
      GOOGLE_APPLICATION_CREDENTIALS: key,
    });
    await expect(gcp.listInstances()).rejects.toMatchObject({
      code: 'GCP_KEY_FILE_INVALID',
      message: expect.stringContaining(key),
      hint: expect.stringContaining('GOOGLE_APPLICATION_CREDENTIALS'),
    });
    expect(env.fake.requests).toEqual([]);
  });
});
