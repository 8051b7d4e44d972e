// What the user sees through main(): `skiff image list -t aws` and
// `skiff instance list -t aws`, with EC2 mocked at the SDK.
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  EC2ServiceException,
  GetConsoleOutputCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../../helpers/cli-run.js';

const ec2 = mockClient(EC2Client);
let home: Awaited<ReturnType<typeof tempHome>>;

beforeEach(async () => {
  ec2.reset();
  home = await tempHome();
});
afterEach(() => home.cleanup());

function env() {
  return {
    SKIFF_HOME: home.dir,
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE9999',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-cli-test',
  };
}

describe('skiff with -t aws', () => {
  it('lists Skiff AMIs in a table', async () => {
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: 'ami-0abc',
          Name: 'sf-console',
          State: 'available',
          CreationDate: '2026-12-01T10:00:00.000Z',
          Tags: [{ Key: 'skiff:managed', Value: 'true' }],
          BlockDeviceMappings: [{ Ebs: { VolumeSize: 1 } }],
        },
      ],
    });
    const run = await runCli(
      ['image', 'list', '-t', 'aws', '-z', 'us-east-1d'],
      { env: env() },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sf-console\s+available/);
    expect(run.stdout).toContain('ami-0abc');
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(0);
  });

  it('shows a denied action as the error, not an invalid region (ops#1467)', async () => {
    ec2.on(DescribeInstancesCommand).rejects(
      new EC2ServiceException({
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'You are not authorized to perform this operation.',
      }),
    );
    const run = await runCli(
      ['instance', 'list', '-t', 'aws', '-z', 'us-east-2'],
      { env: env() },
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('access denied for ec2:DescribeInstances');
    expect(run.stderr).toContain('allow ec2:DescribeInstances');
    expect(run.stderr).not.toMatch(/region .* invalid/i);
    expect(run.stderr + run.stdout).not.toContain(
      'fake-secret-for-the-cli-test',
    );
  });

  it('says once that an image was deleted', async () => {
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: 'ami-0abc',
          Name: 'sf-console',
          Tags: [{ Key: 'skiff:managed', Value: 'true' }],
          BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-1' } }],
        },
      ],
    });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    const run = await runCli(
      ['image', 'delete', 'sf-console', '-t', 'aws', '-z', 'us-east-1d'],
      { env: env() },
    );
    expect(run.code).toBe(0);
    expect(run.stderr.match(/deleted/g)).toHaveLength(1);
  });

  it('rejects a malformed zone before any call', async () => {
    const run = await runCli(['image', 'list', '-t', 'aws', '-z', 'useast1'], {
      env: env(),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('CloudConfig.Zone "useast1"');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('follows the console through throttling and a reset until the instance stops', async () => {
    const consoles = [
      () => ({ Output: b64('boot\n') }),
      () => {
        throw new EC2ServiceException({
          name: 'RequestLimitExceeded',
          $fault: 'client',
          $metadata: { httpStatusCode: 503 },
          message: 'Request limit exceeded.',
        });
      },
      () => {
        throw Object.assign(new Error('socket hang up'), {
          code: 'ECONNRESET',
        });
      },
    ];
    let reads = 0;
    ec2.on(GetConsoleOutputCommand).callsFake(() => {
      const next = consoles[reads++];
      return next ? next() : { Output: b64('boot\nbye\n') };
    });
    // Running until the reads have failed twice; then shutting down.
    ec2.on(DescribeInstancesCommand).callsFake(() => ({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-1',
              State: { Name: reads >= 3 ? 'shutting-down' : 'running' },
              Tags: [
                { Key: 'Name', Value: 'sf' },
                { Key: 'skiff:managed', Value: 'true' },
              ],
            },
          ],
        },
      ],
    }));
    const run = await runCli(
      ['instance', 'logs', 'sf', '-w', '--interval', '10', '-t', 'aws'],
      { env: { ...env(), AWS_REGION: 'us-east-1' } },
    );

    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('boot\nbye\n');
    expect(run.stderr).toMatch(/Request limit exceeded.*trying again/);
    expect(reads).toBe(4);
  }, 30_000);
});

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}
