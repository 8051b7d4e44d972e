// Builds the SDK clients from the environment handed to the provider (never
// process.env): region, endpoint overrides, explicit keys or the SDK's
// default credential chain. Every key and token, from wherever it came,
// is registered with the logger as a secret.
import { EBSClient } from '@aws-sdk/client-ebs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../src/log.js';
import type { Env } from '../../src/paths.js';

export interface AwsClients {
  ec2: EC2Client;
  ebs: EBSClient;
  s3: S3Client;
  iam: IAMClient;
}

type Service = 'EC2' | 'EBS' | 'S3' | 'IAM';

/**
 * AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true (the SDK's own rules).
 */
export function endpointFor(env: Env, service: Service): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') {
    return undefined;
  }
  return (
    env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined
  );
}

interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Keys from the environment, or undefined for the default chain. */
export function credentialsFrom(
  env: Env,
  logger: Logger,
): StaticCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  logger.addSecret(accessKeyId);
  logger.addSecret(secretAccessKey);
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  if (sessionToken) logger.addSecret(sessionToken);
  return { accessKeyId, secretAccessKey, sessionToken };
}

type Checksums = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

/** AWS_REQUEST_CHECKSUM_CALCULATION and friends, as the SDK reads them. */
function checksumSetting(value: string | undefined): Checksums | undefined {
  const upper = value?.toUpperCase();
  return upper === 'WHEN_SUPPORTED' || upper === 'WHEN_REQUIRED'
    ? upper
    : undefined;
}

/** `{ key: value }`, or nothing so the SDK applies its own default. */
function defined<K extends string, V>(
  key: K,
  value: V | undefined,
): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

type CredentialProvider = EC2Client['config']['credentials'];

/**
 * The SDK's default chain (profiles, SSO, instance roles, ...) as one
 * provider for every client, registering each set of credentials it
 * resolves as log secrets: one resolution, one set of temporary keys.
 */
function registeringChain(
  chain: CredentialProvider,
  logger: Logger,
): CredentialProvider {
  return async (options) => {
    const found = await chain(options);
    logger.addSecret(found.accessKeyId);
    logger.addSecret(found.secretAccessKey);
    if (found.sessionToken) logger.addSecret(found.sessionToken);
    return found;
  };
}

/**
 * Without keys in the environment: EC2's default chain, wrapped so that
 * it registers what it finds, for EC2 (whose SDK reads config.credentials
 * on every request) and for the other clients.
 */
function shareChain(ec2: EC2Client, logger: Logger): CredentialProvider {
  const shared = registeringChain(ec2.config.credentials, logger);
  ec2.config.credentials = shared;
  return shared;
}

/** How long EC2, S3 and IAM connections may stay silent. */
const SOCKET_IDLE_MS = 30_000;

interface Sender {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): unknown;
}

/**
 * A call of `client` under way when `signal` aborts ends then, so the
 * first Ctrl-C or SIGTERM stops a request that an endpoint never answers.
 * Calls made after it (the clean-up: delete the upload, cancel the
 * import) run as usual; a second signal exits at once. The prototype's
 * send is looked up per call, since aws-sdk-client-mock stubs it.
 */
function abortWith(client: Sender, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const proto = Object.getPrototypeOf(client) as Sender;
  client.send = (command, options) =>
    proto.send.call(
      client,
      command,
      signal.aborted ? options : { abortSignal: signal, ...options },
    );
}

export function createAwsClients(
  env: Env,
  region: string | undefined,
  logger: Logger,
  signal?: AbortSignal,
): AwsClients {
  const base = {
    ...defined('region', region),
    ...defined('profile', env.AWS_PROFILE || undefined),
  };
  // EC2, S3 and IAM: a connection that goes quiet for 30 s fails (and is
  // retried) instead of hanging; smithy's requestTimeout only warns
  // unless told to throw, and would cap a long S3 part as well. EBS uses
  // per-call signals.
  const requestHandler = {
    connectionTimeout: 10_000,
    socketTimeout: SOCKET_IDLE_MS,
  };
  const endpoint = (service: Service) =>
    defined('endpoint', endpointFor(env, service));
  const explicit = credentialsFrom(env, logger);
  const ec2 = new EC2Client({
    ...base,
    ...defined('credentials', explicit),
    ...endpoint('EC2'),
    requestHandler,
  });
  const common = { ...base, credentials: explicit ?? shareChain(ec2, logger) };
  const s3Endpoint = endpointFor(env, 'S3');
  const clients = {
    ec2,
    // EBS block uploads are retried by ebs-upload.ts; SDK retries stacked
    // underneath multiply attempts and hide stalls (coldsnap#437).
    ebs: new EBSClient({
      ...common,
      ...endpoint('EBS'),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000 },
    }),
    s3: new S3Client({
      ...common,
      ...endpoint('S3'),
      requestHandler,
      // A custom host named localhost would get bucket.localhost otherwise
      // (peers-and-clouds.md §8).
      forcePathStyle: s3Endpoint !== undefined,
      ...defined(
        'requestChecksumCalculation',
        checksumSetting(env.AWS_REQUEST_CHECKSUM_CALCULATION),
      ),
      ...defined(
        'responseChecksumValidation',
        checksumSetting(env.AWS_RESPONSE_CHECKSUM_VALIDATION),
      ),
    }),
    iam: new IAMClient({ ...common, ...endpoint('IAM'), requestHandler }),
  };
  for (const client of Object.values(clients)) abortWith(client, signal);
  return clients;
}

/** Closes the clients' sockets so the process can exit promptly. */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ec2.destroy();
  clients.ebs.destroy();
  clients.s3.destroy();
  clients.iam.destroy();
}
