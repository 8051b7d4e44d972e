// `instance create -t aws`: image and network lookup, a security group for
// the ports, RunInstances; the group is removed again if the launch fails.
import { UserError } from '../../src/errors.js';
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type {
  CreateInstanceOptions,
  InstanceInfo,
  ProviderContext,
} from '../types.js';
import type { AwsClients } from './clients.js';
import { findImageByName, isSkiffImage } from './images.js';
import {
  DEFAULT_FLAVOR,
  findInstance,
  runInstance,
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

export interface CreateInstanceDeps {
  ctx: ProviderContext;
  cloud: ResolvedCloudConfig;
  clients: AwsClients;
  availabilityZone: string | undefined;
}

export async function createAwsInstance(
  d: CreateInstanceDeps,
  opts: CreateInstanceOptions,
): Promise<InstanceInfo> {
  const { ec2 } = d.clients;
  const { logger } = d.ctx;
  validateInstanceName(opts.name);

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
    });
  } catch (err) {
    if (ownSecurityGroup) {
      await deleteSecurityGroup(ec2, securityGroupId, logger, 1, 0);
    }
    throw err;
  }
  logger.info(
    `instance ${opts.name} (${instance.InstanceId}, ${instanceType}) is ` +
      `starting; console: skiff instance logs -t aws ${opts.name} -w`,
  );
  return {
    ...toInstanceInfo(instance),
    name: opts.name,
    image: opts.imageName,
    ports: [...opts.ports],
  };
}
