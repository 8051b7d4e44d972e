// config.json as the user writes it (RawConfig, ops-compatible keys) and as
// the rest of Skiff uses it (ResolvedConfig: absolute paths, parsed sizes).

export interface RawRunConfig {
  CPUs?: number;
  Memory?: string;
  Ports?: string[];
  UDPPorts?: string[];
  /** true = 'auto', false = 'tcg'; Skiff also takes 'auto' | 'kvm' | 'tcg'. */
  Accel?: boolean | 'auto' | 'kvm' | 'tcg';
  IPAddress?: string;
  IPv6Address?: string;
  Gateway?: string;
  NetMask?: string;
  Background?: boolean;
  Verbose?: boolean;
  QMP?: boolean;
  Debug?: boolean;
  GdbPort?: number;
  InstanceName?: string;
  ImageName?: string;
}

export interface RawCloudTag {
  key: string;
  value: string;
  attribute?: {
    image_label?: boolean;
    instance_label?: boolean;
    instance_network?: boolean;
    instance_metadata?: boolean;
  };
}

export interface RawCloudConfig {
  Platform?: string;
  ProjectID?: string;
  Zone?: string;
  BucketName?: string;
  ImageName?: string;
  Flavor?: string;
  VPC?: string;
  Subnet?: string;
  SecurityGroup?: string;
  Tags?: RawCloudTag[];
  Labels?: Record<string, string>;
  InstanceProfile?: string;
  KMS?: string;
  EnableIPv6?: boolean;
  StaticIP?: string;
  /** Skiff: Compute API endpoint override (also SKIFF_GCP_COMPUTE_ENDPOINT). */
  ComputeEndpoint?: string;
  /**
   * Skiff: Cloud Storage endpoint that takes the same credentials, e.g. a
   * Private Service Connect one (also SKIFF_GCP_STORAGE_ENDPOINT).
   */
  StorageEndpoint?: string;
  /** Skiff: seconds to wait for image registration (default 1800). */
  ImageTimeoutSeconds?: number;
}

/** config.json, exactly as written. Unknown keys are rejected. */
export interface RawConfig {
  Program?: string;
  Args?: string[];
  Env?: Record<string, string>;
  Dirs?: string[];
  Files?: string[];
  MapDirs?: Record<string, string>;
  BaseVolumeSz?: string;
  RebootOnExit?: boolean | 'always';
  Klibs?: string[];
  ManifestPassthrough?: Record<string, unknown>;
  NameServers?: string[];
  RunConfig?: RawRunConfig;
  CloudConfig?: RawCloudConfig;
  Kernel?: string;
  Boot?: string;
  NanosVersion?: string;
  TargetRoot?: string;
  Uefi?: boolean;
  Debugflags?: string[];
  NoTrace?: string[];
  Mounts?: Record<string, string>;
  Version?: string;
  Language?: string;
  Description?: string;
  DisableArgsCopy?: boolean;
}

export interface PortForward {
  protocol: 'tcp' | 'udp';
  hostPort: number;
  guestPort: number;
}

/** How Dirs, Files and MapDirs land in the image. */
export interface ResolvedPathMapping {
  /** Absolute host path. */
  hostPath: string;
  /** Absolute path inside the image. */
  imagePath: string;
}

export interface ResolvedRunConfig {
  /**
   * Unset stays undefined, so an instance can fall back on its image's
   * RunConfig before the defaults (1 CPU, DEFAULT_MEMORY_BYTES).
   */
  cpus?: number;
  memoryBytes?: number;
  ports: PortForward[];
  accel: 'auto' | 'kvm' | 'tcg';
  /** Static network settings: manifest ipaddr, ip6addr, gateway, netmask. */
  ipAddress?: string;
  ipv6Address?: string;
  gateway?: string;
  netmask?: string;
  background?: boolean;
  verbose?: boolean;
  qmp?: boolean;
  debug?: boolean;
  gdbPort?: number;
  instanceName?: string;
  imageName?: string;
}

export interface ResolvedCloudConfig {
  platform: 'qemu' | 'gcp' | 'aws';
  projectId?: string;
  zone?: string;
  bucketName?: string;
  imageName?: string;
  flavor?: string;
  vpc?: string;
  subnet?: string;
  securityGroup?: string;
  labels: Record<string, string>;
  instanceProfile?: string;
  computeEndpoint?: string;
  storageEndpoint?: string;
  imageTimeoutSeconds: number;
  tags: RawCloudTag[];
  kms?: string;
  enableIpv6?: boolean;
  staticIp?: string;
}

/** Everything resolved: absolute paths, parsed sizes, full argv. */
export interface ResolvedConfig {
  /** The folder relative paths in the config were resolved against. */
  baseDir: string;
  /** Host path of the program (inside targetRoot when set). */
  programHostPath: string;
  /** Absolute path of the program inside the image. */
  programImagePath: string;
  /** argv, argv[0] included exactly once. */
  args: string[];
  env: Record<string, string>;
  /** Dirs and Files, each host path -> image path. */
  dirs: ResolvedPathMapping[];
  files: ResolvedPathMapping[];
  /** MapDirs, glob already expanded. */
  mapDirs: ResolvedPathMapping[];
  baseVolumeBytes?: number;
  /** false: no key; 'on-failure': reboot_on_exit "t"; 'always': "*". */
  rebootOnExit: false | 'on-failure' | 'always';
  klibs: string[];
  manifestPassthrough: Record<string, unknown>;
  nameServers: string[];
  targetRoot?: string;
  kernelPath?: string;
  bootPath?: string;
  nanosVersion?: string;
  /** An offline Nanos release folder (--nanos-dir or SKIFF_NANOS_DIR). */
  nanosDir?: string;
  /** The release tarball's pinned SHA-256 (SKIFF_NANOS_SHA256). */
  nanosSha256?: string;
  uefi: boolean;
  debugFlags: string[];
  noTrace: string[];
  mounts: Record<string, string>;
  run: ResolvedRunConfig;
  cloud: ResolvedCloudConfig;
}
