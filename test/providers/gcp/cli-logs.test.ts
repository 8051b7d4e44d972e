// `skiff instance logs -w -t gcp` through main() against the fake: a blip
// while following is ridden out, a stopped or deleted instance ends the
// follow cleanly with its last output, and polls are spaced for a cloud.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeRequest } from '../../helpers/gcp-fake.js';
import { tempHome } from '../../helpers/cli-run.js';
import { gcpCli, setupGcp, type GcpTestEnv } from './setup.js';

let gcp: GcpTestEnv;
let home: Awaited<ReturnType<typeof tempHome>>;

const cli = gcpCli(
  () => gcp,
  () => home,
);

const isSerial = (r: FakeRequest) => r.path.endsWith('/serialPort');
const serialReads = () => gcp.fake.requests.filter(isSerial);

beforeAll(async () => {
  gcp = await setupGcp();
  home = await tempHome();
  await writeFile(
    join(home.dir, 'config.json'),
    JSON.stringify({
      CloudConfig: { ProjectID: 'skiff-test', Zone: 'us-central1-a' },
    }),
  );
});

beforeEach(() => {
  gcp.fake.requests.length = 0;
  gcp.fake.onRequest = undefined;
  gcp.fake.failNext = undefined;
  gcp.fake.serial.clear();
  gcp.fake.instances.set('sf', {
    name: 'sf',
    status: 'RUNNING',
    labels: { 'managed-by': 'skiff' },
  });
  gcp.fake.writeSerial('sf', 'boot\n');
});

afterAll(async () => {
  await home?.cleanup();
  await gcp?.close();
});

describe('skiff instance logs -w -t gcp', () => {
  it('rides out a 503 and a dropped connection, and ends with the last output', async () => {
    // onRequest runs before the fake answers: the second serial read
    // answers 503, the third hangs up, the fourth finds the VM stopped.
    let serial = 0;
    gcp.fake.onRequest = (r) => {
      if (!isSerial(r)) return;
      serial++;
      if (serial === 2) {
        gcp.fake.failNext = {
          pathIncludes: '/serialPort',
          status: 503,
          reason: 'backendError',
          message: 'The service is currently unavailable.',
        };
      } else if (serial === 3) {
        gcp.fake.failNext = {
          pathIncludes: '/serialPort',
          status: 0,
          reason: '',
          message: '',
          reset: true,
        };
      } else if (serial === 4) {
        gcp.fake.writeSerial('sf', 'bye\n');
        gcp.fake.instances.get('sf')!.status = 'TERMINATED';
      }
    };
    const run = await cli('instance', 'logs', 'sf', '-w', '--interval', '10');

    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('boot\nbye\n');
    expect(run.stderr).toMatch(/currently unavailable.*trying again/);
    expect(serial).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('ends cleanly when the instance is deleted while followed', async () => {
    gcp.fake.onRequest = (r) => {
      if (isSerial(r) && serialReads().length === 2) {
        gcp.fake.instances.delete('sf');
      }
    };
    const run = await cli('instance', 'logs', 'sf', '-w', '--interval', '10');

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('boot\n');
    expect(run.stderr).toContain('instance sf was deleted');
  }, 30_000);

  it('stops at an error that is no blip', async () => {
    gcp.fake.onRequest = (r) => {
      if (isSerial(r) && serialReads().length === 1) {
        gcp.fake.failNext = {
          pathIncludes: '/serialPort',
          status: 403,
          reason: 'forbidden',
          message: 'Required compute.instances.getSerialPortOutput',
        };
      }
    };
    const run = await cli('instance', 'logs', 'sf', '-w', '--interval', '10');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('compute.instances.getSerialPortOutput');
  }, 30_000);

  it('polls a cloud every 2 s unless told otherwise', async () => {
    gcp.fake.onRequest = (r) => {
      if (isSerial(r) && serialReads().length === 2) {
        gcp.fake.instances.get('sf')!.status = 'TERMINATED';
      }
    };
    const run = await cli('instance', 'logs', 'sf', '-w');

    expect(run.code).toBe(0);
    const [first, second] = serialReads();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  }, 30_000);
});
