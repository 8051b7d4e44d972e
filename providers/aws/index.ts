// Entry point of the AWS adapter, imported lazily by the target dispatcher.
// Validates the zone and builds the clients; no network call happens here
// (ops called DescribeRegions at start-up and called every failure an
// invalid region, ops#1467).
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import type { Provider, ProviderContext } from '../types.js';
import { createAwsClients, type AwsClients } from './clients.js';
import { AwsProvider } from './provider.js';
import { resolveLocation } from './region.js';
import { DEFAULT_AWS_TIMINGS, type AwsTimings } from './timings.js';

export interface AwsProviderOverrides {
  /** Shorter polls and back-offs for tests. */
  timings?: Partial<Omit<AwsTimings, 'ebs' | 'delete' | 'running'>> & {
    ebs?: Partial<AwsTimings['ebs']>;
    delete?: Partial<AwsTimings['delete']>;
    running?: Partial<AwsTimings['running']>;
  };
  clients?: AwsClients;
}

export async function createAwsProvider(
  ctx: ProviderContext,
  cloud: ResolvedCloudConfig,
  overrides: AwsProviderOverrides = {},
): Promise<Provider> {
  const location = resolveLocation(cloud.zone, ctx.env);
  const clients =
    overrides.clients ??
    createAwsClients(ctx.env, location.region, ctx.logger, ctx.signal);
  const t = overrides.timings ?? {};
  const timings: AwsTimings = {
    ...DEFAULT_AWS_TIMINGS,
    ...t,
    ebs: { ...DEFAULT_AWS_TIMINGS.ebs, ...t.ebs },
    delete: { ...DEFAULT_AWS_TIMINGS.delete, ...t.delete },
    running: { ...DEFAULT_AWS_TIMINGS.running, ...t.running },
  };
  ctx.logger.debug(
    `aws: region ${location.region ?? '(from the SDK profile)'}` +
      (location.availabilityZone ? `, zone ${location.availabilityZone}` : ''),
  );
  return new AwsProvider(ctx, cloud, clients, location, timings);
}

export { parseZone, resolveLocation } from './region.js';
export { linearChecksum, blockDigest, EBS_BLOCK_BYTES } from './checksum.js';
