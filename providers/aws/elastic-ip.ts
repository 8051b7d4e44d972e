// CloudConfig.StaticIP on AWS: an Elastic IP, looked up before anything is
// created and associated once the instance runs (EC2 associates an
// address only with a running or stopped instance).
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  waitUntilInstanceRunning,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CloudError, UserError } from '../../src/errors.js';
import { checkStaticIp } from '../static-ip.js';
import { awsErrorName, awsStep, wrapAwsError } from './errors.js';
import { waiterConfig, type WaiterTimings } from './waiters.js';

export interface ElasticIp {
  publicIp: string;
  allocationId: string;
}

const ALLOCATE_HINT =
  "allocate one with `aws ec2 allocate-address` in the instance's region " +
  'and set CloudConfig.StaticIP to its PublicIp (`aws ec2 ' +
  'describe-addresses` lists those you have)';

/** Throws on a StaticIP that is not an IPv4 address (no network). */
export function checkAwsStaticIp(value: string | undefined): void {
  if (value !== undefined) checkStaticIp(value, ALLOCATE_HINT);
}

function notFound(publicIp: string, cause?: unknown): UserError {
  return new UserError(
    'ELASTIC_IP_NOT_FOUND',
    `CloudConfig.StaticIP ${publicIp} is not an Elastic IP of this account ` +
      'in this region',
    { hint: ALLOCATE_HINT, cause },
  );
}

/**
 * The Elastic IP with this public address, free to associate. Unknown
 * (EC2 answers InvalidAddress.NotFound, or AuthFailure "does not belong
 * to you" for someone else's) or already in use is a UserError.
 */
export async function findElasticIp(
  ec2: EC2Client,
  publicIp: string,
): Promise<ElasticIp> {
  const step = `looking up Elastic IP ${publicIp}`;
  let out;
  try {
    out = await ec2.send(
      new DescribeAddressesCommand({ PublicIps: [publicIp] }),
    );
  } catch (err) {
    const name = awsErrorName(err);
    const message = err instanceof Error ? err.message : '';
    if (
      name === 'InvalidAddress.NotFound' ||
      (name === 'AuthFailure' && /does not belong to you/i.test(message))
    ) {
      throw notFound(publicIp, err);
    }
    throw wrapAwsError(err, step, 'ec2:DescribeAddresses');
  }
  const address = out.Addresses?.find((a) => a.PublicIp === publicIp);
  if (!address?.AllocationId) throw notFound(publicIp);
  const user = address.InstanceId ?? address.NetworkInterfaceId;
  if (address.AssociationId || user) {
    throw new UserError(
      'ELASTIC_IP_IN_USE',
      `CloudConfig.StaticIP ${publicIp} is already associated with ` +
        `${user ?? address.AssociationId}`,
      {
        hint:
          (address.AssociationId
            ? 'free it with `aws ec2 disassociate-address --association-id ' +
              `${address.AssociationId}\`, or `
            : '') + 'allocate another with `aws ec2 allocate-address`',
      },
    );
  }
  return { publicIp, allocationId: address.AllocationId };
}

/** Waits for `running`, then associates the address with the instance. */
export async function associateElasticIp(
  ec2: EC2Client,
  eip: ElasticIp,
  instance: { name: string; instanceId: string },
  t: WaiterTimings,
): Promise<void> {
  const { name, instanceId } = instance;
  try {
    await waitUntilInstanceRunning(waiterConfig(ec2, t), {
      InstanceIds: [instanceId],
    });
  } catch (err) {
    // The waiter's own errors carry a JSON dump of its state as message.
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    throw new CloudError(
      'AWS_INSTANCE_NOT_RUNNING',
      `instance ${name} (${instanceId}) ` +
        (timedOut
          ? `is not running after ${t.maxWaitSeconds} s`
          : 'stopped or terminated before it was running') +
        `, so Elastic IP ${eip.publicIp} could not be associated`,
      { cause: err },
    );
  }
  await awsStep(
    `associating Elastic IP ${eip.publicIp} with instance ${name}`,
    'ec2:AssociateAddress',
    () =>
      ec2.send(
        new AssociateAddressCommand({
          AllocationId: eip.allocationId,
          InstanceId: instanceId,
          // Checked free before the launch: fail rather than take it
          // from whatever claimed it since.
          AllowReassociation: false,
        }),
      ),
  );
}
