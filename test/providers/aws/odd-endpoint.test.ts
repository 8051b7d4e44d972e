// Something that is not AWS at AWS_ENDPOINT_URL (a proxy's error page,
// a wrong port): the CLI says what came back and which settings to
// check, instead of "Unknown: Unknown" or a JSON parser's complaint.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../../helpers/cli-run.js';

type Mode = 'empty-500' | 'html-500' | 'garbage' | 'hang-up';
let mode: Mode;
let server: Server;
let port: number;
let home: Awaited<ReturnType<typeof tempHome>>;

beforeAll(async () => {
  home = await tempHome();
  server = createServer((req, res) => {
    if (mode === 'hang-up') return void req.socket.destroy();
    res.statusCode = mode === 'garbage' ? 200 : 500;
    if (mode === 'html-500') res.setHeader('content-type', 'text/html');
    res.end(
      mode === 'html-500'
        ? '<html>Internal error</html>'
        : mode === 'garbage'
          ? '\x00\xffnot xml'
          : '',
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await home.cleanup();
});

describe('AWS: an endpoint that does not speak AWS', () => {
  it.each([
    ['empty-500', 'sent HTTP 500 with no AWS error in it'],
    ['html-500', 'sent HTTP 500 with no AWS error in it'],
    ['garbage', 'sent HTTP 200 that is not an AWS API response'],
    ['hang-up', 'closed the connection without an answer, on every try'],
  ] as const)('%s', async (which, said) => {
    mode = which;
    const r = await runCli(
      ['--json', 'image', 'list', '-t', 'aws', '-z', 'us-east-1a'],
      {
        cwd: home.dir,
        env: {
          ...home.env,
          AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE1234',
          AWS_SECRET_ACCESS_KEY: 'fakeSecretKeyValue/abcdefghijkl',
          AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
          AWS_MAX_ATTEMPTS: '1',
          AWS_PROFILE: undefined,
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        },
      },
    );
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('AWS_BAD_ANSWER');
    expect(error.message).toBe(`listing AMIs: the AWS endpoint ${said}`);
    expect(error.hint).toContain('AWS_ENDPOINT_URL');
  });
});
