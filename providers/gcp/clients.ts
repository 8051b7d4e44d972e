// The SDK clients for one GCP project, pointed at the configured endpoints.
// Credentials come from Application Default Credentials (key file, gcloud
// user credentials, metadata server), resolved by google-auth-library.
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
import { gcpError } from './errors.js';
import type { GcpSettings } from './settings.js';

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

export interface GcpClients {
  storage: Storage;
  images: ImagesClient;
  instances: InstancesClient;
  firewalls: FirewallsClient;
  globalOperations: GlobalOperationsClient;
  zoneOperations: ZoneOperationsClient;
  /** Loads credentials once and registers the token as a log secret. */
  authenticate(): Promise<void>;
}

export function createGcpClients(
  settings: GcpSettings,
  logger: Logger,
): GcpClients {
  const auth = {
    projectId: settings.projectId,
    scopes: SCOPES,
    ...(settings.keyFilename ? { keyFilename: settings.keyFilename } : {}),
  };
  const compute = { ...auth, ...settings.compute };
  const images = new ImagesClient(compute);
  // Interrupted chunks are re-sent: uploads are retried even though they
  // carry no generation precondition (the object is Skiff's own).
  const storage = new Storage({
    ...auth,
    ...(settings.storageEndpoint
      ? { apiEndpoint: settings.storageEndpoint }
      : {}),
    retryOptions: {
      autoRetry: true,
      maxRetries: 5,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
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
        try {
          const token = await images.auth.getAccessToken();
          if (token) logger.addSecret(token);
          // An emulator gets no credentials; real GCS may get its own token.
          if (!settings.storageEndpoint) {
            const gcs = await storage.authClient.getAccessToken();
            if (gcs) logger.addSecret(gcs);
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
          throw gcpError(err, 'loading GCP credentials');
        }
      })();
      return authenticated;
    },
  };
}
