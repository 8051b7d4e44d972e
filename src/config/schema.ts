// The strict zod schema of config.json. Every object rejects unknown keys;
// the messages here are completed with the key path by validate.ts.
import { isIP } from 'node:net';
import { z } from 'zod';
import { isMemoryTooSmall, MEMORY_TOO_SMALL } from './memory.js';
import { isPortSpec } from './ports.js';
import { isNanosVersion } from '../nanos/version.js';
import { sizeProblem } from './size.js';

/** The most vCPUs Skiff asks QEMU for (RunConfig.CPUs, --smp). */
export const MAX_CPUS = 256;
import type { RawConfig } from './types.js';

// parseSize's own words, without the value: validate.ts prints it first.
const size = z.string().superRefine((text, ctx) => {
  const problem = sizeProblem(text);
  if (problem === undefined) return;
  ctx.addIssue({ code: 'custom', message: problem.replace(`"${text}" `, '') });
});

// ops configs sometimes hold numbers here; they are read as strings.
const port = z
  .union([z.string(), z.int().transform(String)], {
    error: 'expected a port string such as "8080"',
  })
  .refine(isPortSpec, {
    error:
      'is not a port: use "8080", "8080:80" (host:guest), ' +
      '"8000-8010" or "53/udp"',
  });

const IPV4_RE =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const ipv4 = z.string().regex(IPV4_RE, {
  error: 'is not an IPv4 address such as "10.0.2.15"',
});

const ipv6 = z.string().refine((s) => s.includes(':'), {
  error: 'is not an IPv6 address such as "fd00::15"',
});

const stringMap = z.record(z.string(), z.string());

// getenv() splits "NAME=value" at the first "=": a name holding one, or
// an empty name, would come back as another variable in the guest.
const envName = z.string().refine((n) => n !== '' && !/[=\0\n]/.test(n), {
  error:
    'is not a variable name: it must be non-empty, with no "=" and no ' +
    'line break',
});

// Written one a line into /etc/resolv.conf: a name or a line break there
// would be a broken or a different file.
const nameServer = z.string().refine((s) => isIP(s) !== 0, {
  error: 'is not an IP address such as "8.8.8.8" or "2001:4860:4860::8888"',
});

const memory = size.refine((s) => !isMemoryTooSmall(s), {
  error: MEMORY_TOO_SMALL,
});

export const runConfigShape = {
  CPUs: z.int().min(1).max(MAX_CPUS),
  Memory: memory,
  Ports: z.array(port),
  UDPPorts: z.array(port),
  Accel: z.union([z.boolean(), z.enum(['auto', 'kvm', 'tcg'])], {
    error: 'expected true, false, "auto", "kvm" or "tcg"',
  }),
  IPAddress: ipv4,
  IPv6Address: ipv6,
  Gateway: ipv4,
  NetMask: ipv4,
  Background: z.boolean(),
  Verbose: z.boolean(),
  QMP: z.boolean(),
  Debug: z.boolean(),
  GdbPort: z.int().min(1).max(65535),
  InstanceName: z.string(),
  ImageName: z.string(),
};

export const tagAttributeShape = {
  image_label: z.boolean(),
  instance_label: z.boolean(),
  instance_network: z.boolean(),
  instance_metadata: z.boolean(),
};

export const tagShape = {
  key: z.string().min(1),
  value: z.string(),
  attribute: z.strictObject(tagAttributeShape).partial(),
};

export const cloudConfigShape = {
  Platform: z.string(),
  ProjectID: z.string(),
  Zone: z.string(),
  BucketName: z.string(),
  ImageName: z.string(),
  Flavor: z.string(),
  VPC: z.string(),
  Subnet: z.string(),
  SecurityGroup: z.string(),
  Tags: z.array(z.strictObject(tagShape).partial({ attribute: true })),
  Labels: stringMap,
  InstanceProfile: z.string(),
  KMS: z.string(),
  EnableIPv6: z.boolean(),
  StaticIP: z.string(),
  ComputeEndpoint: z.url({
    error: 'is not a URL such as "http://127.0.0.1:8080"',
  }),
  StorageEndpoint: z.url({
    error: 'is not a URL such as "https://storage-example.p.googleapis.com"',
  }),
  ImageTimeoutSeconds: z.int().min(1),
};

const path = z.string().min(1);

// TFS has no empty string: a zero-length value decodes as nil, so Nanos
// drops the argument and the ones after it shift (nanos-disk-format §2.5.2).
const argument = z.string().refine((s) => s !== '', {
  error:
    'cannot be passed: Nanos stores no empty strings, so the argument ' +
    'would vanish and the ones after it shift; drop it or give a value',
});

export const configShape = {
  Program: path,
  Args: z.array(argument),
  Env: z.record(envName, z.string()),
  Dirs: z.array(path),
  Files: z.array(path),
  MapDirs: z.record(path, path),
  BaseVolumeSz: size,
  RebootOnExit: z.union([z.boolean(), z.literal('always')], {
    error: 'expected true (reboot on a non-zero exit), false or "always"',
  }),
  Klibs: z.array(z.string().min(1)),
  ManifestPassthrough: z.record(z.string(), z.unknown()),
  NameServers: z.array(nameServer),
  RunConfig: z.strictObject(runConfigShape).partial(),
  CloudConfig: z.strictObject(cloudConfigShape).partial(),
  Kernel: path,
  Boot: path,
  NanosVersion: z.string().refine(isNanosVersion, {
    error: 'is not a Nanos version such as "0.1.54"',
  }),
  TargetRoot: path,
  Uefi: z.boolean(),
  Debugflags: z.array(z.string().min(1)),
  NoTrace: z.array(z.string().min(1)),
  Mounts: stringMap,
  Version: z.string(),
  Language: z.string(),
  Description: z.string(),
  DisableArgsCopy: z.boolean(),
};

export const configSchema = z.strictObject(configShape).partial();

// Compile-time check: what the schema accepts is a RawConfig.
const _accepted: RawConfig = {} as z.infer<typeof configSchema>;
void _accepted;

/** Known keys of each object in config.json, by path pattern. */
export const KNOWN_KEYS: Record<string, string[]> = {
  '': Object.keys(configShape),
  RunConfig: Object.keys(runConfigShape),
  CloudConfig: Object.keys(cloudConfigShape),
  'CloudConfig.Tags[]': Object.keys(tagShape),
  'CloudConfig.Tags[].attribute': Object.keys(tagAttributeShape),
};
