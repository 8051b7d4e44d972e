// Serial console by offset: paging, dropped output, not-ready retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupGcp, type GcpTestEnv } from './setup.js';

let env: GcpTestEnv;

beforeAll(async () => {
  env = await setupGcp();
  env.fake.instances.set('sf', {
    name: 'sf',
    status: 'RUNNING',
    labels: { 'managed-by': 'skiff' },
  });
});

afterAll(async () => {
  await env.close();
});

describe('GCP serial logs', () => {
  it('pages by offset and reports dropped output', async () => {
    const gcp = await env.provider();
    env.fake.writeSerial('sf', 'abcdefghij', 100);

    const a = await gcp.readLogs('sf', 0);
    expect(a).toEqual({ text: 'abcdefghij', nextOffset: 10 });
    const b = await gcp.readLogs('sf', 4);
    expect(b).toEqual({ text: 'efghij', nextOffset: 10 });
    const idle = await gcp.readLogs('sf', 10);
    expect(idle).toEqual({ text: '', nextOffset: 10 });

    // 150 more bytes with a 100-byte window: bytes 10..59 are gone.
    env.fake.writeSerial('sf', 'x'.repeat(140) + 'TAIL567890', 100);
    const c = await gcp.readLogs('sf', 10);
    expect(c.dropped).toBe(true);
    expect(c.text).toHaveLength(100);
    expect(c.text.endsWith('TAIL567890')).toBe(true);
    expect(c.nextOffset).toBe(160);
    const d = await gcp.readLogs('sf', c.nextOffset);
    expect(d).toEqual({ text: '', nextOffset: 160 });
  });

  it('treats the early 400 resourceNotReady as no output yet', async () => {
    const gcp = await env.provider();
    env.fake.serialNotReadyCalls = 2;
    expect(await gcp.readLogs('sf', 0)).toEqual({ text: '', nextOffset: 0 });
    expect(await gcp.readLogs('sf', 0)).toEqual({ text: '', nextOffset: 0 });
    expect((await gcp.readLogs('sf', 0)).text.length).toBeGreaterThan(0);
  });

  it('names the instance when it does not exist', async () => {
    const gcp = await env.provider();
    await expect(gcp.readLogs('ghost', 0)).rejects.toMatchObject({
      code: 'INSTANCE_NOT_FOUND',
      message: expect.stringContaining('ghost'),
    });
  });
});
