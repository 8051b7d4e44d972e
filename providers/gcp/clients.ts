// The SDK clients for one GCP project, pointed at the configured endpoints.
// Credentials come from Application Default Credentials (key file, gcloud
// user credentials, metadata server), resolved by google-auth-library.
// Every token is registered as a log secret when it is fetched or
// refreshed, so an error that echoes a request never shows one.
import type { EventEmitter } from 'node:events';
import {
  FirewallsClient,
  GlobalOperationsClient,
  ImagesClient,
  InstancesClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { IdempotencyStrategy, Storage } from '@google-cloud/storage';
import { errnoCode, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { describeGcpFailure, gcpError } from './errors.js';
import { checkGcpKeyFile } from './key-file.js';
import {
  limitComputeRequests,
  limitStorageRequests,
  type RequestLimits,
} from './request-limits.js';
import type { GcpSettings } from './settings.js';

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];
const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

function isNetwork(err: unknown): boolean {
  return NETWORK.has(errnoCode(err) ?? '');
}

export interface GcpClients {
  storage: Storage;
  images: ImagesClient;
  instances: InstancesClient;
  firewalls: FirewallsClient;
  globalOperations: GlobalOperationsClient;
  zoneOperations: ZoneOperationsClient;
  /**
   * Loads credentials once; this and every later token (refreshes
   * included) is registered as a log secret.
   */
  authenticate(): Promise<void>;
}

/** google-auth-library's client classes, as the user knows them. */
const SOURCES: Record<string, string> = {
  Compute: 'the metadata server',
  JWT: 'a service-account key file',
  UserRefreshClient: 'gcloud application-default login',
  Impersonated: 'an impersonated service account',
};

interface TokenSource {
  getClient(): Promise<unknown>;
  getAccessToken(): Promise<string | null | undefined>;
}

/** Registers the current token and every one the client fetches later. */
async function watchTokens(
  auth: TokenSource,
  service: string,
  logger: Logger,
): Promise<void> {
  const client = (await auth.getClient()) as Partial<EventEmitter>;
  const kind = client.constructor.name;
  logger.debug(`gcp: ${service} credentials: ${SOURCES[kind] ?? kind}`);
  // OAuth2Client and its kin (metadata server, JWT, external accounts)
  // emit `tokens` whenever they fetch a new access token.
  client.on?.('tokens', (tokens: { access_token?: string | null }) => {
    if (tokens.access_token) logger.addSecret(tokens.access_token);
  });
  const token = await auth.getAccessToken();
  if (token) logger.addSecret(token);
}

export function createGcpClients(
  settings: GcpSettings,
  logger: Logger,
  limits: RequestLimits,
): GcpClients {
  const auth = {
    projectId: settings.projectId,
    scopes: SCOPES,
    ...(settings.keyFilename ? { keyFilename: settings.keyFilename } : {}),
  };
  const images = new ImagesClient({ ...auth, ...settings.compute });
  // One GoogleAuth for every Compute client: one token, refreshed in one
  // place, where watchTokens sees it. Storage ships its own, older
  // google-auth-library, which is watched separately.
  const compute = { ...auth, ...settings.compute, auth: images.auth };
  limitComputeRequests(images.auth as never, limits);
  // A custom apiEndpoint gets no credentials from the SDK unless asked
  // (useAuthWithCustomEndpoint); the emulator gets none.
  const storageEndpoint = settings.storageEndpoint
    ? { apiEndpoint: settings.storageEndpoint, useAuthWithCustomEndpoint: true }
    : settings.storageEmulator
      ? { apiEndpoint: settings.storageEmulator }
      : {};
  // Interrupted chunks are re-sent: uploads are retried even though they
  // carry no generation precondition (the object is Skiff's own).
  // `timeout`: the deadline of each JSON API call (bucket checks, deletes);
  // uploads get theirs from limitStorageRequests.
  const storage = new Storage({
    ...auth,
    ...storageEndpoint,
    timeout: limits.requestTimeoutMs,
    retryOptions: {
      autoRetry: true,
      maxRetries: limits.storageRetries,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
  limitStorageRequests(storage.authClient as never, limits);
  let authenticated: Promise<void> | undefined;

  return {
    storage,
    images,
    instances: new InstancesClient(compute),
    firewalls: new FirewallsClient(compute),
    globalOperations: new GlobalOperationsClient(compute),
    zoneOperations: new ZoneOperationsClient(compute),
    authenticate() {
      authenticated ??= (async () => {
        await checkGcpKeyFile(settings.keyFilename);
        try {
          await watchTokens(images.auth, 'Compute', logger);
          // An emulator gets no credentials; GCS (or an endpoint that
          // stands for it) gets its own token.
          if (!settings.storageEmulator) {
            await watchTokens(storage.authClient, 'Storage', logger);
          }
        } catch (err) {
          if (settings.keyFilename && errnoCode(err) === 'ENOENT') {
            throw new UserError(
              'GCP_KEY_FILE_MISSING',
              `GOOGLE_APPLICATION_CREDENTIALS names ${settings.keyFilename}, which does not exist`,
              {
                cause: err,
                hint: 'point it at a service-account key file, or unset it to use `gcloud auth application-default login`',
              },
            );
          }
          const failure = describeGcpFailure(err);
          // Parsing or signing with the key fails locally, with no HTTP
          // status (e.g. "error:1E08010C:DECODER routines::unsupported").
          if (settings.keyFilename && !failure.status && !isNetwork(err)) {
            throw new UserError(
              'GCP_KEY_FILE_INVALID',
              `GOOGLE_APPLICATION_CREDENTIALS names ${settings.keyFilename}, which cannot be used: ${failure.message}`,
              {
                cause: err,
                hint: 'point GOOGLE_APPLICATION_CREDENTIALS at a service-account JSON key (`gcloud iam service-accounts keys create`), or unset it to use `gcloud auth application-default login`',
              },
            );
          }
          throw gcpError(err, 'loading GCP credentials');
        }
      })();
      return authenticated;
    },
  };
}
