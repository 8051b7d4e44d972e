// RunConfig and CloudConfig with defaults filled in.
import { DEFAULT_MEMORY_BYTES } from './memory.js';
import { parsePortSpec } from './ports.js';
import { parseSize } from './size.js';
import type { Problems } from './resolve-paths.js';
import type {
  PortForward,
  RawCloudConfig,
  RawRunConfig,
  ResolvedCloudConfig,
  ResolvedRunConfig,
} from './types.js';

export const DEFAULT_IMAGE_TIMEOUT_SECONDS = 1800;

/**
 * CPUs and memory for a VM: the first of `layers` that sets each (flags
 * and config first, then e.g. the image's stored RunConfig), else the
 * defaults.
 */
export function runSize(
  ...layers: ({ cpus?: number; memoryBytes?: number } | undefined)[]
): { cpus: number; memoryBytes: number } {
  const pick = (key: 'cpus' | 'memoryBytes') =>
    layers.find((l) => l?.[key] !== undefined)?.[key];
  return {
    cpus: pick('cpus') ?? 1,
    memoryBytes: pick('memoryBytes') ?? DEFAULT_MEMORY_BYTES,
  };
}

function ports(run: RawRunConfig): PortForward[] {
  const out: PortForward[] = [];
  for (const spec of run.Ports ?? []) out.push(...parsePortSpec(spec, 'tcp'));
  for (const spec of run.UDPPorts ?? []) {
    out.push(...parsePortSpec(spec, 'udp'));
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    const id = `${p.protocol}:${p.hostPort}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Values were checked by the schema. CPUs and Memory stay undefined when
 * unset: the default is applied by whoever runs the VM (runSize), after
 * any image's own RunConfig.
 */
export function resolveRunConfig(run: RawRunConfig = {}): ResolvedRunConfig {
  const accel = run.Accel;
  return {
    cpus: run.CPUs,
    memoryBytes: run.Memory !== undefined ? parseSize(run.Memory) : undefined,
    ports: ports(run),
    accel: accel === false ? 'tcg' : accel === true || !accel ? 'auto' : accel,
    ipAddress: run.IPAddress,
    ipv6Address: run.IPv6Address,
    gateway: run.Gateway,
    netmask: run.NetMask,
    background: run.Background,
    verbose: run.Verbose,
    qmp: run.QMP,
    debug: run.Debug,
    gdbPort: run.GdbPort,
    instanceName: run.InstanceName,
    imageName: run.ImageName,
  };
}

function platformOf(
  value: string | undefined,
  problems: Problems,
): ResolvedCloudConfig['platform'] {
  const v = (value ?? '').toLowerCase();
  if (v === '' || v === 'onprem' || v === 'qemu') return 'qemu';
  if (v === 'gcp' || v === 'aws') return v;
  problems.push(
    `CloudConfig.Platform: "${value}" is not supported; use "qemu" ` +
      `(or "onprem"), "gcp" or "aws"`,
  );
  return 'qemu';
}

/** Labels and tags: a tag with no attribute labels image and instance. */
function labels(cloud: RawCloudConfig): Record<string, string> {
  const out: Record<string, string> = { ...cloud.Labels };
  for (const tag of cloud.Tags ?? []) {
    const a = tag.attribute;
    if (!a || a.image_label || a.instance_label) out[tag.key] = tag.value;
  }
  return out;
}

/** `env` supplies SKIFF_GCP_COMPUTE_ENDPOINT when the config has none. */
export function resolveCloudConfig(
  cloud: RawCloudConfig = {},
  env: Record<string, string | undefined>,
  problems: Problems,
): ResolvedCloudConfig {
  return {
    platform: platformOf(cloud.Platform, problems),
    projectId: cloud.ProjectID,
    zone: cloud.Zone,
    bucketName: cloud.BucketName,
    imageName: cloud.ImageName,
    flavor: cloud.Flavor,
    vpc: cloud.VPC,
    subnet: cloud.Subnet,
    securityGroup: cloud.SecurityGroup,
    labels: labels(cloud),
    instanceProfile: cloud.InstanceProfile,
    computeEndpoint:
      cloud.ComputeEndpoint ?? (env.SKIFF_GCP_COMPUTE_ENDPOINT || undefined),
    storageEndpoint:
      cloud.StorageEndpoint ?? (env.SKIFF_GCP_STORAGE_ENDPOINT || undefined),
    imageTimeoutSeconds:
      cloud.ImageTimeoutSeconds ?? DEFAULT_IMAGE_TIMEOUT_SECONDS,
    tags: cloud.Tags ?? [],
    kms: cloud.KMS,
    enableIpv6: cloud.EnableIPv6,
    staticIp: cloud.StaticIP,
  };
}
