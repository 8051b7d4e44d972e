// `instance create -t aws`: image, Elastic IP and network lookup, a
// security group for the ports, RunInstances, then the Elastic IP; what
// was made is removed again if the launch or the association fails.
import { UserError } from '../../src/errors.js';
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type {
  CreateInstanceOptions,
  InstanceInfo,
  ProviderContext,
} from '../types.js';
import type { AwsClients } from './clients.js';
import {
  associateElasticIp,
  checkAwsStaticIp,
  findElasticIp,
  type ElasticIp,
} from './elastic-ip.js';
import { findImageByName, isSkiffImage } from './images.js';
import {
  DEFAULT_FLAVOR,
  findInstance,
  runInstance,
  terminateInstance,
  toInstanceInfo,
  validateInstanceName,
} from './instances.js';
import { resolveNetwork } from './network.js';
import {
  createInstanceSecurityGroup,
  deleteSecurityGroup,
  findSecurityGroupId,
} from './security-group.js';
import { skiffTags, userTags } from './tags.js';
import type { AwsTimings } from './timings.js';

export interface CreateInstanceDeps {
  ctx: ProviderContext;
  cloud: ResolvedCloudConfig;
  clients: AwsClients;
  availabilityZone: string | undefined;
  timings: Pick<AwsTimings, 'delete' | 'running'>;
}

/**
 * Associates the Elastic IP; if that fails, terminates the instance (and
 * removes its group) so that none runs without the address asked for.
 */
async function attachElasticIp(
  d: CreateInstanceDeps,
  eip: ElasticIp,
  instance: { name: string; instanceId: string },
  groupId: string | undefined,
): Promise<void> {
  const { ec2 } = d.clients;
  const { logger } = d.ctx;
  logger.info(
    `waiting for ${instance.name} (${instance.instanceId}) to run, to ` +
      `associate Elastic IP ${eip.publicIp}`,
  );
  try {
    await associateElasticIp(ec2, eip, instance, d.timings.running);
  } catch (err) {
    logger.warn(
      `terminating instance ${instance.name} (${instance.instanceId}): ` +
        `Elastic IP ${eip.publicIp} could not be associated`,
    );
    await terminateInstance(
      ec2,
      instance,
      groupId,
      logger,
      d.timings.delete,
    ).catch((cleanup: unknown) => {
      logger.warn(
        `could not terminate ${instance.instanceId} ` +
          `(${cleanup instanceof Error ? cleanup.message : String(cleanup)}); ` +
          `terminate it with: aws ec2 terminate-instances --instance-ids ` +
          instance.instanceId,
      );
    });
    throw err;
  }
}

export async function createAwsInstance(
  d: CreateInstanceDeps,
  opts: CreateInstanceOptions,
): Promise<InstanceInfo> {
  const { ec2 } = d.clients;
  const { logger } = d.ctx;
  validateInstanceName(opts.name);
  checkAwsStaticIp(d.cloud.staticIp);

  if (await findInstance(ec2, opts.name)) {
    throw new UserError(
      'INSTANCE_EXISTS',
      `an AWS instance named "${opts.name}" already exists`,
      {
        hint:
          `delete it (skiff instance delete -t aws ${opts.name}) or ` +
          'choose another --instance-name',
      },
    );
  }
  const image = await findImageByName(ec2, opts.imageName);
  if (!image?.ImageId || !isSkiffImage(image)) {
    throw new UserError(
      'IMAGE_NOT_FOUND',
      `no AWS image named "${opts.imageName}"`,
      { hint: 'see `skiff image list -t aws`, or create it first' },
    );
  }
  const arch = image.Architecture === 'arm64' ? 'arm64' : 'x86_64';
  const instanceType = opts.flavor ?? d.cloud.flavor ?? DEFAULT_FLAVOR[arch];
  const eip = d.cloud.staticIp
    ? await findElasticIp(ec2, d.cloud.staticIp)
    : undefined;
  const network = await resolveNetwork(ec2, d.cloud, d.availabilityZone);

  let securityGroupId: string;
  const ownSecurityGroup = !d.cloud.securityGroup;
  if (d.cloud.securityGroup) {
    securityGroupId = await findSecurityGroupId(
      ec2,
      d.cloud.securityGroup,
      network.vpcId,
    );
    if (opts.ports.length > 0) {
      logger.warn(
        `ports are not opened in CloudConfig.SecurityGroup ` +
          `${d.cloud.securityGroup}; its own rules apply`,
      );
    }
  } else {
    securityGroupId = await createInstanceSecurityGroup(ec2, {
      instance: opts.name,
      vpcId: network.vpcId,
      ports: opts.ports,
      tags: skiffTags(`skiff-${opts.name}`, {}, userTags(d.cloud)),
      ipv6: d.cloud.enableIpv6,
      logger,
    });
  }

  let instance;
  try {
    instance = await runInstance(ec2, {
      name: opts.name,
      imageName: opts.imageName,
      image,
      instanceType,
      subnetId: network.subnetId,
      securityGroupId,
      ownSecurityGroup,
      ports: opts.ports,
      baseVolumeBytes: opts.config.baseVolumeBytes,
      instanceProfile: d.cloud.instanceProfile,
      labels: userTags(d.cloud),
      enableIpv6: d.cloud.enableIpv6,
    });
  } catch (err) {
    if (ownSecurityGroup) {
      await deleteSecurityGroup(ec2, securityGroupId, logger, 1, 0);
    }
    throw err;
  }
  const info = {
    ...toInstanceInfo(instance),
    name: opts.name,
    image: opts.imageName,
    ports: [...opts.ports],
  };
  if (eip && instance.InstanceId) {
    const launched = { name: opts.name, instanceId: instance.InstanceId };
    const groupId = ownSecurityGroup ? securityGroupId : undefined;
    await attachElasticIp(d, eip, launched, groupId);
    logger.info(
      `instance ${opts.name} (${instance.InstanceId}, ${instanceType}) is ` +
        `running at ${eip.publicIp}; console: skiff instance logs -t aws ` +
        `${opts.name} -w`,
    );
    return { ...info, state: 'running', publicIp: eip.publicIp };
  }
  logger.info(
    `instance ${opts.name} (${instance.InstanceId}, ${instanceType}) is ` +
      `starting; console: skiff instance logs -t aws ${opts.name} -w`,
  );
  return info;
}
