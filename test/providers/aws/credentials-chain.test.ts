// Credentials the SDK finds itself (here: a profile in a shared
// credentials file) are never printed either. The real EC2 client talks to
// a server on 127.0.0.1 that answers with an error repeating the access
// key and session token it was sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../../helpers/cli-run.js';

const KEY_ID = 'AKIAPROFILECHAIN0001';
const SECRET = 'profile/chain/secret/access/key/0001';
const TOKEN = 'IQoJb3JpZ2luX2VjEprofile-chain-session-token';

let server: Server;
let endpoint: string;
let home: Awaited<ReturnType<typeof tempHome>>;
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    const key = /Credential=([^/]+)/.exec(req.headers.authorization ?? '');
    const token = req.headers['x-amz-security-token'];
    res.statusCode = 401;
    res.setHeader('Content-Type', 'text/xml');
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>AuthFailure</Code><Message>key ${key?.[1]} with token ${token} refused</Message></Error></Errors><RequestID>r-1</RequestID></Response>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  home = await tempHome();
  const credentials = join(home.dir, 'credentials');
  await writeFile(
    credentials,
    `[skiff-test]\naws_access_key_id = ${KEY_ID}\n` +
      `aws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`,
  );
  // The SDK reads these files' paths from process.env itself.
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
  process.env.AWS_CONFIG_FILE = join(home.dir, 'no-config');
  process.env.AWS_PROFILE = 'skiff-test';
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
});

afterAll(async () => {
  process.env = saved;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await home.cleanup();
});

describe('credentials from the SDK chain', () => {
  it.each([[[]], [['--debug']]])(
    'are redacted from errors (%s)',
    async (flags: string[]) => {
      const run = await runCli(
        ['instance', 'list', '-t', 'aws', '-z', 'us-east-1d', ...flags],
        { cwd: home.dir, env: { ...home.env, AWS_ENDPOINT_URL: endpoint } },
      );
      expect(run.code).toBe(1);
      const text = run.stdout + run.stderr;
      expect(text).toContain('key *** with token *** refused');
      for (const secret of [KEY_ID, SECRET, TOKEN]) {
        expect(text).not.toContain(secret);
      }
    },
  );
});
