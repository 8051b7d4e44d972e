// The checks of `image create -t gcp` that need no network and no SDK. The
// CLI runs them before it builds the image; the adapter runs them again.
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type { CreateImageOptions } from '../types.js';
import { checkResourceName, requireGcpKeys } from './settings.js';

/**
 * Throws on a name GCE would refuse or a missing BucketName; returns
 * warnings for switches GCP ignores.
 */
export function validateGcpImageCreate(
  name: string,
  cloud: Pick<ResolvedCloudConfig, 'bucketName' | 'projectId' | 'zone'>,
  options: CreateImageOptions['options'] = {},
): string[] {
  // Every key image create needs, in one error.
  requireGcpKeys(cloud, ['ProjectID', 'Zone', 'BucketName']);
  checkResourceName('image', name);
  const warnings: string[] = [];
  if (options.upload !== undefined) {
    warnings.push(
      '--upload is for -t aws and is ignored: GCP images are always uploaded to CloudConfig.BucketName',
    );
  }
  return warnings;
}
