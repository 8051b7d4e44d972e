// The checks of `image create -t aws` that need no network and no SDK. The
// CLI runs them before it builds the image; the adapter runs them again.
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import { UserError } from '../../src/errors.js';
import type { CreateImageOptions } from '../types.js';

/** What EC2 accepts in an AMI name. */
const AMI_NAME = /^[A-Za-z0-9()[\] ./'@_-]{3,128}$/;
/** StartSnapshot's KmsKeyArn pattern (EBS direct API reference). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]*:\d{12}:key\/\S+$/;

export type UploadRoute = 'ebs' | 's3';

export function uploadRoute(value: unknown): UploadRoute {
  if (value === undefined || value === 'ebs') return 'ebs';
  if (value === 's3') return 's3';
  throw new UserError(
    'AWS_UPLOAD_ROUTE_INVALID',
    `upload route "${String(value)}" is not known`,
    { hint: 'use --upload s3, or leave it out for EBS direct upload' },
  );
}

export function validateImageName(name: string): void {
  if (!AMI_NAME.test(name)) {
    throw new UserError(
      'AWS_IMAGE_NAME_INVALID',
      `image name "${name}" is not a valid AMI name`,
      {
        hint:
          'use --imagename with 3-128 letters, digits, spaces or ' +
          "( ) [ ] . / - ' @ _",
      },
    );
  }
}

/**
 * Throws on a name EC2 would refuse, an unknown route, `--upload s3`
 * without a bucket or a KMS key the route cannot use; returns warnings
 * for switches AWS ignores.
 */
export function validateAwsImageCreate(
  name: string,
  cloud: Pick<ResolvedCloudConfig, 'bucketName' | 'kms'>,
  options: CreateImageOptions['options'] = {},
): string[] {
  validateImageName(name);
  const route = uploadRoute(options.upload);
  if (route === 'ebs' && cloud.kms && !KMS_KEY_ARN.test(cloud.kms)) {
    // ImportSnapshot takes an id or alias too; StartSnapshot only an ARN,
    // and refuses anything else only once the upload has begun.
    throw new UserError(
      'AWS_KMS_KEY_NOT_ARN',
      `CloudConfig.KMS "${cloud.kms}" is not a KMS key ARN, which the EBS ` +
        'direct upload needs',
      {
        hint:
          'set CloudConfig.KMS to the key ARN (arn:aws:kms:<region>:' +
          '<account>:key/<key-id>; `aws kms describe-key --key-id ' +
          `${cloud.kms} --query KeyMetadata.Arn\` prints it), or pass ` +
          '--upload s3, which also takes a key id or alias',
      },
    );
  }
  if (route === 's3' && !cloud.bucketName) {
    throw new UserError(
      'AWS_BUCKET_REQUIRED',
      '--upload s3 needs a bucket and CloudConfig.BucketName is not set',
      {
        hint: 'pass --bucketname or set CloudConfig.BucketName, or leave out --upload s3',
      },
    );
  }
  const warnings: string[] = [];
  if (options.createBucket === true) {
    warnings.push(
      '--create-bucket is for -t gcp and is ignored: on AWS the S3 bucket must exist',
    );
  }
  if (options.keepUpload === true && route === 'ebs') {
    warnings.push(
      '--keep-upload is ignored: EBS direct upload leaves no object behind (it applies to --upload s3)',
    );
  }
  return warnings;
}
