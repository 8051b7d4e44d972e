// Skiff's AMIs: lookup by name, listing (paginated, own and tagged only),
// deregistration, and the snapshots a deregistered AMI left behind.
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  paginateDescribeImages,
  paginateDescribeSnapshots,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { ImageInfo } from '../types.js';
import { awsStep } from './errors.js';
import { MANAGED_FILTER, TAG_IMAGE, TAG_MANAGED, tagValue } from './tags.js';

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

/** DeregisterImage; the snapshots stay (see deleteSnapshotPatiently). */
export async function deregisterImage(
  ec2: EC2Client,
  image: Image,
): Promise<void> {
  const label = `AMI ${image.Name} (${image.ImageId})`;
  await awsStep(`deregistering ${label}`, 'ec2:DeregisterImage', () =>
    ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId })),
  );
}

/**
 * Completed snapshots Skiff made for image `name` that no AMI uses any
 * more: what a deregistration left when DeleteSnapshot failed.
 */
export async function findLeftoverSnapshots(
  ec2: EC2Client,
  name: string,
): Promise<string[]> {
  const found: string[] = [];
  await awsStep(
    `looking up snapshots of image ${name}`,
    'ec2:DescribeSnapshots',
    async () => {
      const pages = paginateDescribeSnapshots(
        { client: ec2, pageSize: 100 },
        {
          OwnerIds: ['self'],
          Filters: [
            MANAGED_FILTER,
            { Name: `tag:${TAG_IMAGE}`, Values: [name] },
            { Name: 'status', Values: ['completed'] },
          ],
        },
      );
      for await (const page of pages) {
        for (const s of page.Snapshots ?? []) {
          if (s.SnapshotId) found.push(s.SnapshotId);
        }
      }
    },
  );
  if (found.length === 0) return [];
  const users = await awsStep(
    `looking up AMIs that use ${found.join(', ')}`,
    'ec2:DescribeImages',
    () =>
      ec2.send(
        new DescribeImagesCommand({
          Owners: ['self'],
          Filters: [
            { Name: 'block-device-mapping.snapshot-id', Values: found },
          ],
        }),
      ),
  );
  const used = new Set((users.Images ?? []).flatMap(snapshotIdsOf));
  return found.filter((id) => !used.has(id));
}
