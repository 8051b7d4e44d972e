// RegisterImage for a finished snapshot, with the settings Nanos needs on
// Nitro (hvm, ENA, the right boot mode), then a wait for `available`.
import {
  DescribeImagesCommand,
  RegisterImageCommand,
  type EC2Client,
  type RegisterImageCommandInput,
} from '@aws-sdk/client-ec2';
import { CloudError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { awsStep } from './errors.js';
import { pollUntil, PollTimeout, type PollOptions } from './poll.js';
import { toAwsTags } from './tags.js';

const GIB = 1024 ** 3;
export const ROOT_DEVICE = '/dev/sda1';

export interface RegisterSpec {
  name: string;
  snapshotId: string;
  /** The snapshot's size: the smallest root volume possible. */
  snapshotSizeGiB: number;
  arch: 'x86_64' | 'aarch64';
  uefi: boolean;
  /** BaseVolumeSz: grows the root volume when larger than the snapshot. */
  baseVolumeBytes?: number;
  tags: Record<string, string>;
}

export function rootVolumeGiB(
  snapshotSizeGiB: number,
  baseVolumeBytes?: number,
): number {
  const wanted = baseVolumeBytes ? Math.ceil(baseVolumeBytes / GIB) : 0;
  return Math.max(snapshotSizeGiB, wanted);
}

/**
 * The RegisterImage input. The SDK defaults (i386, paravirtual, no ENA)
 * cannot boot on Nitro types, so every one of them is set explicitly.
 * arm64 instances boot only UEFI; a BIOS image registered as uefi never
 * boots (peers-and-clouds.md §8).
 */
export function buildRegisterImageInput(
  s: RegisterSpec,
): RegisterImageCommandInput {
  const arm = s.arch === 'aarch64';
  return {
    Name: s.name,
    Description: `skiff image ${s.name}`,
    Architecture: arm ? 'arm64' : 'x86_64',
    VirtualizationType: 'hvm',
    EnaSupport: true,
    BootMode: s.uefi || arm ? 'uefi' : 'legacy-bios',
    RootDeviceName: ROOT_DEVICE,
    BlockDeviceMappings: [
      {
        DeviceName: ROOT_DEVICE,
        Ebs: {
          SnapshotId: s.snapshotId,
          DeleteOnTermination: true,
          VolumeType: 'gp3',
          VolumeSize: rootVolumeGiB(s.snapshotSizeGiB, s.baseVolumeBytes),
        },
      },
    ],
    TagSpecifications: [{ ResourceType: 'image', Tags: toAwsTags(s.tags) }],
  };
}

export interface RegisterOptions extends PollOptions {
  ec2: EC2Client;
  spec: RegisterSpec;
  logger: Logger;
}

/** RegisterImage; resolves to the new AMI id. */
export async function registerImage(
  ec2: EC2Client,
  spec: RegisterSpec,
): Promise<string> {
  const step = `registering AMI ${spec.name} from ${spec.snapshotId}`;
  const out = await awsStep(step, 'ec2:RegisterImage', () =>
    ec2.send(new RegisterImageCommand(buildRegisterImageInput(spec))),
  );
  return out.ImageId as string;
}

export interface WaitImageOptions extends PollOptions {
  ec2: EC2Client;
  imageId: string;
  name: string;
  logger: Logger;
}

/** Waits for `available`; a failed AMI throws with its StateReason. */
export async function waitForImage(o: WaitImageOptions): Promise<string> {
  try {
    return await pollUntil(async () => {
      const found = await awsStep(
        `waiting for AMI ${o.imageId}`,
        'ec2:DescribeImages',
        () => o.ec2.send(new DescribeImagesCommand({ ImageIds: [o.imageId] })),
      );
      const image = found.Images?.[0];
      const state = image?.State ?? '';
      if (state === 'available') return state;
      if (['failed', 'invalid', 'error'].includes(state)) {
        throw new CloudError(
          'AWS_IMAGE_FAILED',
          `AMI ${o.imageId} (${o.name}) ended in state ${state}` +
            (image?.StateReason?.Message
              ? `: ${image.StateReason.Message}`
              : ''),
        );
      }
      return undefined;
    }, o);
  } catch (err) {
    if (!(err instanceof PollTimeout)) throw err;
    o.logger.warn(`AMI ${o.imageId} is still pending; it may take a while`);
    return 'pending';
  }
}
