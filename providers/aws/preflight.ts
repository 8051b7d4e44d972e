// What `image create -t aws` learns before the image is built, with the
// SDK but without an upload: a region is known (CloudConfig.Zone,
// AWS_REGION or the SDK profile, read from local files), then the
// credentials resolve.
import { UserError } from '../../src/errors.js';
import type { AwsClients } from './clients.js';
import { awsStep } from './errors.js';
import type { ResolvedLocation } from './region.js';

export async function preflightImageCreate(
  clients: AwsClients,
  location: ResolvedLocation,
): Promise<void> {
  if (!location.region) {
    try {
      await clients.ec2.config.region();
    } catch (err) {
      throw new UserError(
        'AWS_REGION_MISSING',
        'no AWS region set: CloudConfig.Zone is empty, and neither ' +
          'AWS_REGION nor the AWS profile names one',
        {
          cause: err,
          hint: 'set CloudConfig.Zone (e.g. us-east-1a), pass -z, or set AWS_REGION',
        },
      );
    }
  }
  await awsStep('loading the AWS credentials', 'the credential chain', () =>
    clients.ec2.config.credentials(),
  );
}
