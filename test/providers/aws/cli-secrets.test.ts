// No AWS credential in any line the CLI prints, in normal, -v, --debug and
// --json output, with keys and a session token from the environment and
// an error whose message repeats them. EC2 and EBS are mocked at the SDK.
import { join } from 'node:path';
import {
  CompleteSnapshotCommand,
  EBSClient,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
} from '@aws-sdk/client-ebs';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  GetConsoleOutputCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileC,
  runCli,
  tempHome,
  type CliRun,
} from '../../helpers/cli-run.js';
import { findKernelForTests } from '../../helpers/kernel.js';

const kernel = findKernelForTests();
const example = join(import.meta.dirname, '../../../examples/hello-c');
const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIACLISECRETS00TEST',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/cli-secrets-test-key',
  AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEcli-secrets-session-token',
};
const VERBOSITY = [[], ['-v'], ['--debug'], ['--json', '--debug']];
const TAGS = [{ Key: 'skiff:managed', Value: 'true' }];
const IMAGE = {
  ImageId: 'ami-1',
  Name: 'sf-console',
  State: 'available' as const,
  Architecture: 'x86_64' as const,
  RootDeviceName: '/dev/sda1',
  Tags: TAGS,
  BlockDeviceMappings: [
    { DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-1', VolumeSize: 1 } },
  ],
};
const instance = (state: 'running' | 'stopped' | 'terminated') => ({
  Reservations: [
    {
      Instances: [
        {
          InstanceId: 'i-1',
          ImageId: 'ami-1',
          State: { Name: state },
          Tags: [
            { Key: 'Name', Value: 'sf' },
            ...TAGS,
            { Key: 'skiff:image', Value: 'sf-console' },
            { Key: 'skiff:security-group', Value: 'sg-1' },
          ],
        },
      ],
    },
  ],
});

const ec2 = mockClient(EC2Client);
const ebs = mockClient(EBSClient);
let home: Awaited<ReturnType<typeof tempHome>>;
const runs: CliRun[] = [];

async function cli(...argv: string[]): Promise<CliRun> {
  const run = await runCli([...argv, '-t', 'aws', '-z', 'us-east-1d'], {
    cwd: home.dir,
    env: {
      ...home.env,
      ...SECRETS,
      ...(kernel ? { SKIFF_NANOS_DIR: kernel } : {}),
    },
  });
  runs.push(run);
  return run;
}

/** EC2 with one image and, after `none` empty answers, instance sf. */
function mockEc2(none = 0): void {
  ec2.reset();
  ebs.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [IMAGE] });
  const describe = ec2.on(DescribeInstancesCommand);
  for (let i = 0; i < none; i++) describe.resolvesOnce({ Reservations: [] });
  describe.resolves(instance('running'));
  ec2
    .on(DescribeInstancesCommand, { InstanceIds: ['i-1'] })
    .resolves(instance('terminated'));
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-d' }] });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [{ SubnetId: 'subnet-a', VpcId: 'vpc-d', DefaultForAz: true }],
  });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-1' });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(DeleteSecurityGroupCommand).resolves({});
  ec2.on(RunInstancesCommand).resolves({
    Instances: [{ InstanceId: 'i-1', State: { Name: 'pending' } }],
  });
  ec2.on(GetConsoleOutputCommand).resolves({
    Output: Buffer.from('Hello from Nanos\n').toString('base64'),
  });
  ec2.on(StopInstancesCommand).resolves({});
  ec2.on(StartInstancesCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
  ec2.on(DeregisterImageCommand).resolves({});
  ec2.on(DeleteSnapshotCommand).resolves({});
}

beforeAll(async () => {
  home = await tempHome();
  if (kernel) {
    await compileC(join(example, 'hello.c'), join(home.dir, 'hello'));
  }
}, 60_000);

afterAll(async () => {
  await home?.cleanup();
});

describe.each(VERBOSITY)('AWS CLI output %s', (...flags: string[]) => {
  it.skipIf(!kernel)(
    'image create (EBS direct)',
    async () => {
      mockEc2();
      ec2
        .on(DescribeImagesCommand, { Owners: ['self'] })
        .resolves({ Images: [] });
      ebs.on(StartSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
      ebs.on(PutSnapshotBlockCommand).resolves({});
      ebs.on(CompleteSnapshotCommand).resolves({ Status: 'pending' });
      ec2
        .on(DescribeSnapshotsCommand)
        .resolves({ Snapshots: [{ State: 'completed', Progress: '100%' }] });
      ec2.on(RegisterImageCommand).resolves({ ImageId: 'ami-1' });
      const run = await cli(
        'image',
        'create',
        './hello',
        '-i',
        'sf-console',
        ...flags,
      );
      expect(run.code).toBe(0);
    },
    120_000,
  );

  it('instance create, list, logs, stop, start, delete; image delete', async () => {
    mockEc2(1);
    const create = ['instance', 'create', 'sf-console', '-n', 'sf'];
    expect((await cli(...create, '-p', '80', ...flags)).code).toBe(0);
    for (const argv of [
      ['image', 'list'],
      ['instance', 'list'],
      ['instance', 'logs', 'sf'],
      ['instance', 'stop', 'sf'],
      ['instance', 'start', 'sf'],
      ['instance', 'delete', 'sf'],
    ]) {
      const run = await cli(...argv, ...flags);
      expect(run.stderr).not.toMatch(/^error/m);
      expect(run.code).toBe(0);
    }
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    expect((await cli('image', 'delete', 'sf-console', ...flags)).code).toBe(0);
  }, 60_000);

  it('an error whose message repeats the credentials', async () => {
    mockEc2();
    ec2.on(DescribeInstancesCommand).rejects(
      new EC2ServiceException({
        name: 'AuthFailure',
        $fault: 'client',
        $metadata: { httpStatusCode: 401 },
        message: `key ${SECRETS.AWS_ACCESS_KEY_ID} secret ${SECRETS.AWS_SECRET_ACCESS_KEY} token ${SECRETS.AWS_SESSION_TOKEN} refused`,
      }),
    );
    const run = await cli('instance', 'list', ...flags);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('key *** secret *** token ***');
  });
});

describe('AWS CLI output, all of it', () => {
  it('never shows a credential', () => {
    const text = runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
    expect(text).toContain('debug: ');
    for (const secret of Object.values(SECRETS)) {
      expect(text).not.toContain(secret);
    }
  });
});
