// Skiff's AMIs: lookup by name, listing (paginated, own and tagged only),
// and deletion of an AMI together with its snapshots.
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  paginateDescribeImages,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { ImageInfo } from '../types.js';
import { awsStep } from './errors.js';
import { deleteSnapshot } from './snapshots.js';
import { MANAGED_FILTER, TAG_MANAGED, tagValue } from './tags.js';

const GIB = 1024 ** 3;

/** Any AMI of this account with this exact name (names are unique). */
export async function findImageByName(
  ec2: EC2Client,
  name: string,
): Promise<Image | undefined> {
  const out = await awsStep(
    `looking up AMI ${name}`,
    'ec2:DescribeImages',
    () =>
      ec2.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [{ Name: 'name', Values: [name] }],
        }),
      ),
  );
  return out.Images?.[0];
}

export function isSkiffImage(image: Image): boolean {
  return tagValue(image.Tags, TAG_MANAGED) === 'true';
}

export function snapshotIdsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? [])
    .map((m) => m.Ebs?.SnapshotId)
    .filter((id): id is string => typeof id === 'string');
}

export function toImageInfo(image: Image): ImageInfo {
  const sizeGiB = (image.BlockDeviceMappings ?? []).reduce(
    (sum, m) => sum + (m.Ebs?.VolumeSize ?? 0),
    0,
  );
  return {
    name: image.Name ?? tagValue(image.Tags, 'Name') ?? '',
    target: 'aws',
    id: image.ImageId,
    status: image.State ?? 'unknown',
    sizeBytes: sizeGiB ? sizeGiB * GIB : undefined,
    createdAt: image.CreationDate,
    details: {
      architecture: image.Architecture,
      bootMode: image.BootMode,
      snapshots: snapshotIdsOf(image),
    },
  };
}

export async function listSkiffImages(ec2: EC2Client): Promise<ImageInfo[]> {
  const images: ImageInfo[] = [];
  await awsStep('listing AMIs', 'ec2:DescribeImages', async () => {
    const pages = paginateDescribeImages(
      { client: ec2, pageSize: 100 },
      { Owners: ['self'], Filters: [MANAGED_FILTER] },
    );
    for await (const page of pages) {
      for (const image of page.Images ?? []) images.push(toImageInfo(image));
    }
  });
  return images.sort((a, b) => a.name.localeCompare(b.name));
}

/** Deregisters the AMI, then deletes the snapshots it was made from. */
export async function deleteImageAndSnapshots(
  ec2: EC2Client,
  image: Image,
): Promise<void> {
  const label = `AMI ${image.Name} (${image.ImageId})`;
  await awsStep(`deregistering ${label}`, 'ec2:DeregisterImage', () =>
    ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId })),
  );
  for (const snapshotId of snapshotIdsOf(image)) {
    await deleteSnapshot(
      ec2,
      snapshotId,
      `deleting snapshot ${snapshotId} of ${label}`,
    );
  }
}
