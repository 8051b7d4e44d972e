// The tags that mark Skiff's resources, and conversions to the SDK shape.
import type { Tag } from '@aws-sdk/client-ec2';
import type { ResolvedCloudConfig } from '../../src/config/types.js';

export const TAG_MANAGED = 'skiff:managed';
export const TAG_IMAGE = 'skiff:image';
export const TAG_PORTS = 'skiff:ports';
/** On an instance: the security group Skiff created for it. */
export const TAG_SECURITY_GROUP = 'skiff:security-group';

/** Filter for DescribeImages/Instances: only what Skiff made. */
export const MANAGED_FILTER = { Name: `tag:${TAG_MANAGED}`, Values: ['true'] };

export function toAwsTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagValue(
  tags: readonly Tag[] | undefined,
  key: string,
): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** CloudConfig.Labels and CloudConfig.Tags, as AWS tags on everything. */
export function userTags(cloud: ResolvedCloudConfig): Record<string, string> {
  const tags: Record<string, string> = { ...cloud.labels };
  for (const t of cloud.tags ?? []) tags[t.key] = t.value;
  return tags;
}

/** Skiff's marker plus the user's labels; Skiff's keys win. */
export function skiffTags(
  name: string,
  extra: Record<string, string>,
  labels: Record<string, string> = {},
): Record<string, string> {
  return { ...labels, Name: name, [TAG_MANAGED]: 'true', ...extra };
}
