// Picks the adapter for a target: -t/--target, else CloudConfig.Platform,
// else qemu. Cloud adapters are imported only when asked for, so local
// commands never load a cloud SDK; their validate.ts modules load none.
import type {
  ResolvedCloudConfig,
  ResolvedConfig,
} from '../src/config/types.js';
import { resolveCloudConfig } from '../src/config/resolve-run.js';
import { UserError } from '../src/errors.js';
import { validateAwsImageCreate } from './aws/validate.js';
import { validateGcpImageCreate } from './gcp/validate.js';
import type {
  CreateImageOptions,
  Provider,
  ProviderContext,
  TargetName,
} from './types.js';

export const TARGETS: readonly TargetName[] = ['qemu', 'gcp', 'aws'];

export interface CreateProviderContext extends ProviderContext {
  /** The resolved config.json, when the command read one. */
  config?: ResolvedConfig;
}

/** The target a command runs against: the flag wins over the config. */
export function resolveTarget(
  flag: string | undefined,
  config?: ResolvedConfig,
): TargetName {
  const value = (flag ?? config?.cloud.platform ?? 'qemu').toLowerCase();
  if (value === 'onprem') return 'qemu';
  if ((TARGETS as string[]).includes(value)) return value as TargetName;
  throw new UserError('TARGET_INVALID', `unknown target "${flag}"`, {
    hint: `use -t ${TARGETS.join(', -t ')}`,
  });
}

function cloudConfigOf(ctx: CreateProviderContext): ResolvedCloudConfig {
  if (ctx.config) return ctx.config.cloud;
  const problems: string[] = [];
  return resolveCloudConfig({}, ctx.env, problems);
}

/**
 * Builds the adapter for `target`. Cloud adapters validate their settings
 * here, before any client makes a request.
 */
export async function createProvider(
  target: TargetName,
  ctx: CreateProviderContext,
): Promise<Provider> {
  const { config: _config, ...base } = ctx;
  switch (target) {
    case 'qemu': {
      const { createQemuProvider } = await import('./qemu/index.js');
      return createQemuProvider(base);
    }
    case 'gcp': {
      const { createGcpProvider } = await import('./gcp/index.js');
      return createGcpProvider(base, cloudConfigOf(ctx));
    }
    case 'aws': {
      const { createAwsProvider } = await import('./aws/index.js');
      return createAwsProvider(base, cloudConfigOf(ctx));
    }
  }
}

/**
 * Checks an `image create` that need no network (image name, bucket,
 * upload route), so that a bad request fails before the image is built.
 * Returns warnings for switches the target ignores.
 */
export function validateCreateImage(
  target: TargetName,
  name: string,
  config: ResolvedConfig,
  options: CreateImageOptions['options'] = {},
): string[] {
  switch (target) {
    case 'qemu':
      // The CLI names the cloud flags it was given (cloud-only-flags.ts).
      return [];
    case 'gcp':
      return validateGcpImageCreate(name, config.cloud, options);
    case 'aws':
      return validateAwsImageCreate(name, config.cloud, options);
  }
}
