// GCP settings from CloudConfig, flags and the environment, checked before
// any client is built or any request is made.
import type { ResolvedCloudConfig } from '../../src/config/types.js';
import { joinWords, UserError } from '../../src/errors.js';

export interface ComputeEndpoint {
  /** Host name only: the SDK builds `${protocol}://${host}:${port}`. */
  apiEndpoint: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface GcpSettings {
  projectId: string;
  zone: string;
  /** Region of the zone (us-central1-a -> us-central1). */
  region: string;
  bucketName?: string;
  /** CloudConfig.Flavor; unset: DEFAULT_FLAVOR for the image's arch. */
  flavor?: string;
  network: string;
  subnet?: string;
  /** CloudConfig.StaticIP: a reserved external IPv4 address (natIP). */
  staticIp?: string;
  /** CloudConfig.EnableIPv6: an external IPv6 address too. */
  enableIpv6: boolean;
  labels: Record<string, string>;
  instanceProfile?: string;
  imageTimeoutMs: number;
  compute?: ComputeEndpoint;
  /**
   * Cloud Storage endpoint that gets the same credentials as GCS
   * (CloudConfig.StorageEndpoint, SKIFF_GCP_STORAGE_ENDPOINT).
   */
  storageEndpoint?: string;
  /**
   * http(s)://host:port of a GCS emulator (STORAGE_EMULATOR_HOST): the
   * SDK sends it no credentials.
   */
  storageEmulator?: string;
  /** Key file named by GOOGLE_APPLICATION_CREDENTIALS, if any. */
  keyFilename?: string;
}

/**
 * Machine types when no Flavor is given, by image architecture: arm64
 * images need an Arm series (T2A is the smallest), as AWS picks t4g.
 */
export const DEFAULT_FLAVOR = {
  X86_64: 'e2-small',
  ARM64: 't2a-standard-1',
} as const;
export const SKIFF_LABEL = { key: 'managed-by', value: 'skiff' } as const;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const RFC1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The CloudConfig keys a GCP command may need, with example and flag. */
const REQUIRED = {
  ProjectID: { field: 'projectId', example: 'my-project', flag: '-g' },
  Zone: { field: 'zone', example: 'us-central1-a', flag: '-z' },
  BucketName: {
    field: 'bucketName',
    example: 'my-skiff-images',
    flag: '--bucketname',
  },
} as const;

type RequiredKey = keyof typeof REQUIRED;

/**
 * Throws one error naming every key of `keys` that `cloud` lacks, with
 * an example and the flag of each, so one fix covers them all.
 */
export function requireGcpKeys(
  cloud: Partial<Record<'projectId' | 'zone' | 'bucketName', string>>,
  keys: readonly RequiredKey[],
): void {
  const absent = keys.filter((key) => !cloud[REQUIRED[key].field]);
  if (absent.length === 0) return;
  const names = absent.map((key) => `CloudConfig.${key}`);
  const verb = names.length === 1 ? 'is' : 'are';
  throw new UserError(
    'GCP_CONFIG_MISSING',
    `GCP needs ${joinWords(names)}, which ${verb} not set`,
    {
      hint:
        'set ' +
        absent.map((k) => `"${k}": "${REQUIRED[k].example}"`).join(', ') +
        ' in CloudConfig, or pass ' +
        absent
          .map((k) => `${REQUIRED[k].flag} ${REQUIRED[k].example}`)
          .join(' '),
    },
  );
}

/** Parses SKIFF_GCP_COMPUTE_ENDPOINT / CloudConfig.ComputeEndpoint. */
export function parseComputeEndpoint(value: string): ComputeEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(
      'GCP_ENDPOINT_INVALID',
      `Compute endpoint ${JSON.stringify(value)} is not an http(s) URL`,
      {
        hint:
          'set CloudConfig.ComputeEndpoint or ' +
          'SKIFF_GCP_COMPUTE_ENDPOINT to e.g. http://127.0.0.1:8085',
      },
    );
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  // The SDK ignores a port inside apiEndpoint: it must come separately.
  const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
  return { apiEndpoint: url.hostname, port, protocol };
}

/** Parses CloudConfig.StorageEndpoint / SKIFF_GCP_STORAGE_ENDPOINT. */
export function parseStorageEndpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UserError(
      'GCP_ENDPOINT_INVALID',
      `Cloud Storage endpoint ${JSON.stringify(value)} is not an http(s) URL`,
      {
        hint:
          'set CloudConfig.StorageEndpoint or ' +
          'SKIFF_GCP_STORAGE_ENDPOINT to e.g. ' +
          'https://storage-example.p.googleapis.com',
      },
    );
  }
  // The SDK appends /storage/v1 and /upload/storage/v1 itself.
  return url.origin;
}

/**
 * An endpoint that authenticates, or the emulator that does not. Both at
 * once would be ambiguous: the SDK reads STORAGE_EMULATOR_HOST from the
 * process environment and sends JSON calls there whatever else is set.
 */
function storageSettings(
  cloud: ResolvedCloudConfig,
  env: Record<string, string | undefined>,
): Pick<GcpSettings, 'storageEndpoint' | 'storageEmulator'> {
  const emulator = env.STORAGE_EMULATOR_HOST || undefined;
  const endpoint =
    cloud.storageEndpoint ?? (env.SKIFF_GCP_STORAGE_ENDPOINT || undefined);
  if (endpoint && emulator) {
    throw new UserError(
      'GCP_ENDPOINT_CONFLICT',
      `both a Cloud Storage endpoint (${endpoint}) and STORAGE_EMULATOR_HOST (${emulator}) are set`,
      {
        hint:
          'unset STORAGE_EMULATOR_HOST to use the endpoint with ' +
          'credentials, or unset CloudConfig.StorageEndpoint / ' +
          'SKIFF_GCP_STORAGE_ENDPOINT to use the emulator',
      },
    );
  }
  return {
    storageEndpoint: endpoint ? parseStorageEndpoint(endpoint) : undefined,
    storageEmulator: emulator,
  };
}

/** Checks a resource name (images, instances) against GCE's rule. */
export function checkResourceName(kind: string, name: string): void {
  if (!RFC1035.test(name)) {
    throw new UserError(
      'GCP_NAME_INVALID',
      `${kind} name ${JSON.stringify(name)} is not valid on GCP`,
      {
        hint:
          'use 1-63 lowercase letters, digits and dashes, starting with ' +
          'a letter and not ending with a dash',
      },
    );
  }
}

function checkLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new UserError(
        'GCP_LABEL_INVALID',
        `CloudConfig.Labels ${JSON.stringify(key)}: ${JSON.stringify(value)} is not a valid GCP label`,
        {
          hint:
            'label keys and values use lowercase letters, digits, _ and - ' +
            '(at most 63 characters; keys start with a letter)',
        },
      );
    }
  }
}

/** Resolves and validates; throws UserError naming the key and flag. */
export function resolveGcpSettings(
  cloud: ResolvedCloudConfig,
  env: Record<string, string | undefined>,
): GcpSettings {
  requireGcpKeys(cloud, ['ProjectID', 'Zone']);
  const projectId = cloud.projectId as string;
  const zone = cloud.zone as string;
  if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone)) {
    throw new UserError(
      'GCP_ZONE_INVALID',
      `CloudConfig.Zone ${JSON.stringify(zone)} is not a GCP zone`,
      { hint: 'use a zone such as us-central1-a (-z/--zone)' },
    );
  }
  checkLabels(cloud.labels);
  const endpoint = cloud.computeEndpoint ?? env.SKIFF_GCP_COMPUTE_ENDPOINT;

  return {
    projectId,
    zone,
    region: zone.replace(/-[a-z]$/, ''),
    bucketName: cloud.bucketName,
    flavor: cloud.flavor,
    network: cloud.vpc ?? 'default',
    subnet: cloud.subnet,
    staticIp: cloud.staticIp,
    enableIpv6: cloud.enableIpv6 === true,
    labels: { ...cloud.labels, [SKIFF_LABEL.key]: SKIFF_LABEL.value },
    instanceProfile: cloud.instanceProfile,
    imageTimeoutMs: cloud.imageTimeoutSeconds * 1000,
    compute: endpoint ? parseComputeEndpoint(endpoint) : undefined,
    ...storageSettings(cloud, env),
    keyFilename: env.GOOGLE_APPLICATION_CREDENTIALS || undefined,
  };
}

/** BucketName is needed only to create images. */
export function requireBucket(settings: { bucketName?: string }): string {
  requireGcpKeys(settings, ['BucketName']);
  return settings.bucketName as string;
}
