// The one interface every target (qemu, gcp, aws) implements. The CLI
// validates everything that needs no network, builds the raw image, then
// hands it to an adapter through this interface.
import type { Logger } from '../src/log.js';
import type { PortForward, ResolvedConfig } from '../src/config/types.js';
import type { SkiffPaths } from '../src/paths.js';

export type TargetName = 'qemu' | 'gcp' | 'aws';

export interface ProviderContext {
  logger: Logger;
  paths: SkiffPaths;
  /** Environment for SDK settings (endpoints, credentials chain). */
  env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: adapters stop work and clean up. */
  signal?: AbortSignal;
}

/** A built raw disk image, ready to upload or copy. */
export interface BuiltImage {
  /** Path of the raw image on the local disk. */
  path: string;
  sizeBytes: number;
  uefi: boolean;
  arch: 'x86_64' | 'aarch64';
}

export interface CreateImageOptions {
  name: string;
  image: BuiltImage;
  config: ResolvedConfig;
  /** Replace an image of the same name. */
  force?: boolean;
  /** Target-specific switches (e.g. gcp keepUpload, aws upload route). */
  options?: Record<string, string | boolean | undefined>;
  /** What the image was built from, so a hint can say how to rebuild it. */
  builtFrom?: ImageSource;
}

/** The package (NAME:VERSION) or the program path an image came from. */
export interface ImageSource {
  package?: string;
  program?: string;
}

export interface ImageInfo {
  name: string;
  target: TargetName;
  /** Cloud id (AMI id, GCE image id) or local path. */
  id?: string;
  status: string;
  sizeBytes?: number;
  /** ISO 8601. */
  createdAt?: string;
  /** Anything else worth a column in `image list --json`. */
  details?: Record<string, unknown>;
}

export interface CreateInstanceOptions {
  name: string;
  imageName: string;
  config: ResolvedConfig;
  /** Ports to open/forward; already merged from -p and RunConfig.Ports. */
  ports: PortForward[];
  flavor?: string;
  options?: Record<string, string | boolean | undefined>;
}

export type InstanceState =
  'pending' | 'running' | 'stopping' | 'stopped' | 'terminated' | 'unknown';

export interface InstanceInfo {
  name: string;
  target: TargetName;
  image: string;
  state: InstanceState;
  ports: PortForward[];
  id?: string;
  /** QEMU process id for local instances. */
  pid?: number;
  /** ISO 8601. */
  createdAt?: string;
  /** The app's exit code, once it has stopped (local instances). */
  exitCode?: number;
  publicIp?: string;
  privateIp?: string;
  details?: Record<string, unknown>;
}

export interface LogChunk {
  /** New text since the offset asked for. */
  text: string;
  /** Pass this back to continue where this chunk ended. */
  nextOffset: number;
  /** True when output between the offset asked for and this chunk was lost. */
  dropped?: boolean;
}

/** What `startInstance` did. */
export type StartOutcome = 'started' | 'already-running';

export interface DeleteImageOptions {
  /** Delete even if an instance uses it. */
  force?: boolean;
}

export interface CheckCreateImageOptions {
  name: string;
  /** Replace an image of the same name. */
  force?: boolean;
}

export interface Provider {
  readonly target: TargetName;
  /**
   * How often `instance logs -w` should poll when the user does not say:
   * each poll costs API calls on a cloud (unset: the CLI's default).
   */
  readonly logPollIntervalMs?: number;
  /**
   * What `createImage` would refuse that is cheap to learn before the
   * image is built (the CLI calls it first): qemu: the name is taken;
   * gcp: the key file, the credentials, then a taken name; aws: the
   * region, the credentials, then a taken name. Makes no upload and
   * changes nothing.
   */
  checkCreateImage(opts: CheckCreateImageOptions): Promise<void>;
  /** Uploads and registers (or, for qemu, stores) a built image. */
  createImage(opts: CreateImageOptions): Promise<ImageInfo>;
  listImages(): Promise<ImageInfo[]>;
  deleteImage(name: string, opts?: DeleteImageOptions): Promise<void>;
  createInstance(opts: CreateInstanceOptions): Promise<InstanceInfo>;
  listInstances(): Promise<InstanceInfo[]>;
  getInstance(name: string): Promise<InstanceInfo>;
  /**
   * Boots a stopped instance. 'already-running' when it was running (or
   * another command started it meanwhile) and nothing was done; adapters
   * that cannot tell resolve with nothing.
   */
  startInstance(name: string): Promise<StartOutcome | void>;
  stopInstance(name: string): Promise<void>;
  deleteInstance(name: string): Promise<void>;
  /** Serial console output from `offset` (0: from the start). */
  readLogs(name: string, offset: number): Promise<LogChunk>;
}
