// Preflight for the S3 route: the bucket must exist in the target region
// and the `vmimport` service role must exist (ops#396/#399 users met
// "The service role <vmimport> does not exist" only after uploading).
import { GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import {
  awsErrorName,
  awsStatus,
  isAccessDenied,
  wrapAwsError,
} from './errors.js';

export const VMIMPORT_ROLE = 'vmimport';

/** The trust and permission policies VM Import needs, and the commands. */
export function vmimportRoleHelp(bucket: string): string {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'vmie.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:Externalid': 'vmimport' } },
      },
    ],
  };
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket'],
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      },
      {
        Effect: 'Allow',
        Action: [
          'ec2:ModifySnapshotAttribute',
          'ec2:CopySnapshot',
          'ec2:RegisterImage',
          'ec2:Describe*',
        ],
        Resource: '*',
      },
    ],
  };
  return [
    `create the role once: save ${JSON.stringify(trust)} as trust-policy.json`,
    `and ${JSON.stringify(policy)} as role-policy.json, then run`,
    `aws iam create-role --role-name vmimport --assume-role-policy-document file://trust-policy.json`,
    `aws iam put-role-policy --role-name vmimport --policy-name vmimport --policy-document file://role-policy.json`,
    `(your own credentials also need iam:PassRole on it, ec2:ImportSnapshot and ec2:DescribeImportSnapshotTasks);`,
    `or leave out --upload s3: the default EBS direct route needs no bucket and no role`,
  ].join('\n');
}

export interface S3PreflightOptions {
  s3: S3Client;
  iam: IAMClient;
  bucket: string;
  /** The target region, when known, to check the bucket against. */
  region: string | undefined;
  logger: Logger;
}

export async function preflightS3Import(o: S3PreflightOptions): Promise<void> {
  await checkBucket(o);
  await checkRole(o);
}

async function checkBucket(o: S3PreflightOptions): Promise<void> {
  const step = `checking bucket ${o.bucket} (CloudConfig.BucketName)`;
  let bucketRegion: string | undefined;
  try {
    const out = await o.s3.send(new HeadBucketCommand({ Bucket: o.bucket }));
    bucketRegion = out.BucketRegion;
  } catch (err) {
    const name = awsErrorName(err);
    if (name === 'NotFound' || name === 'NoSuchBucket') {
      throw new UserError(
        'AWS_BUCKET_NOT_FOUND',
        `bucket "${o.bucket}" (CloudConfig.BucketName) does not exist`,
        { cause: err, hint: `create it: aws s3 mb s3://${o.bucket}` },
      );
    }
    if (awsStatus(err) === 301 || name === 'PermanentRedirect') {
      throw bucketElsewhere(o, undefined, err);
    }
    throw wrapAwsError(err, step, 's3:ListBucket');
  }
  if (o.region && bucketRegion && bucketRegion !== o.region) {
    throw bucketElsewhere(o, bucketRegion);
  }
}

function bucketElsewhere(
  o: S3PreflightOptions,
  bucketRegion: string | undefined,
  cause?: unknown,
): UserError {
  return new UserError(
    'AWS_BUCKET_REGION',
    `bucket "${o.bucket}" is in ${bucketRegion ?? 'another region'}, ` +
      `not in ${o.region ?? 'the target region'}; ImportSnapshot needs ` +
      'a bucket in the target region',
    {
      cause,
      hint: 'use a bucket in the same region, or set CloudConfig.Zone to match',
    },
  );
}

async function checkRole(o: S3PreflightOptions): Promise<void> {
  try {
    const out = await o.iam.send(
      new GetRoleCommand({ RoleName: VMIMPORT_ROLE }),
    );
    const trust = decodeURIComponent(out.Role?.AssumeRolePolicyDocument ?? '');
    if (trust && !trust.includes('vmie.amazonaws.com')) {
      o.logger.warn(
        `role ${VMIMPORT_ROLE} does not trust vmie.amazonaws.com; ` +
          'the import will likely fail',
      );
    }
  } catch (err) {
    const name = awsErrorName(err);
    if (name === 'NoSuchEntity' || name === 'NoSuchEntityException') {
      throw new UserError(
        'AWS_VMIMPORT_ROLE_MISSING',
        `--upload s3 needs the IAM service role "${VMIMPORT_ROLE}", ` +
          'which does not exist in this account',
        { cause: err, hint: vmimportRoleHelp(o.bucket) },
      );
    }
    if (isAccessDenied(err)) {
      o.logger.warn(
        `cannot check the ${VMIMPORT_ROLE} role (iam:GetRole denied); ` +
          'going on without the check',
      );
      return;
    }
    throw wrapAwsError(
      err,
      `checking IAM role ${VMIMPORT_ROLE}`,
      'iam:GetRole',
    );
  }
}

/** ImportSnapshot's own wording when the role is missing or too weak. */
export function isVmimportRoleError(message: string): boolean {
  return /service role.*vmimport|vmimport.*does not exist/i.test(message);
}
