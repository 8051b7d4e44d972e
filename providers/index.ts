// Picks the adapter for a target: -t/--target, else CloudConfig.Platform,
// else qemu. Cloud adapters are imported only when asked for, so local
// commands never load a cloud SDK.
import type {
  ResolvedCloudConfig,
  ResolvedConfig,
} from '../src/config/types.js';
import { resolveCloudConfig } from '../src/config/resolve-run.js';
import { UserError } from '../src/errors.js';
import type { Provider, ProviderContext, TargetName } from './types.js';

export const TARGETS: readonly TargetName[] = ['qemu', 'gcp', 'aws'];

export interface CreateProviderContext extends ProviderContext {
  /** The resolved config.json, when the command read one. */
  config?: ResolvedConfig;
}

type CloudFactory = (
  ctx: ProviderContext,
  cloud: ResolvedCloudConfig,
) => Provider | Promise<Provider>;

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

async function loadCloudFactory(target: 'gcp' | 'aws'): Promise<CloudFactory> {
  // Specifiers kept in variables: each adapter is its own module tree and
  // is loaded only for its own target.
  const specifier = `./${target}/index.js`;
  const mod = (await import(specifier)) as Record<string, unknown>;
  const name = target === 'gcp' ? 'createGcpProvider' : 'createAwsProvider';
  const factory = mod[name];
  if (typeof factory !== 'function') {
    throw new Error(`providers/${target}/index.js does not export ${name}`);
  }
  return factory as CloudFactory;
}

function cloudConfigOf(ctx: CreateProviderContext): ResolvedCloudConfig {
  if (ctx.config) return ctx.config.cloud;
  const problems: string[] = [];
  return resolveCloudConfig({}, ctx.env, problems);
}

/** Builds the adapter for `target`. */
export async function createProvider(
  target: TargetName,
  ctx: CreateProviderContext,
): Promise<Provider> {
  const { config: _config, ...base } = ctx;
  if (target === 'qemu') {
    const { createQemuProvider } = await import('./qemu/index.js');
    return createQemuProvider(base);
  }
  const factory = await loadCloudFactory(target);
  return factory(base, cloudConfigOf(ctx));
}
