// Puts the tar.gz into the bucket: a chunked resumable upload (it survives
// dropped connections), progress as it goes, and no gzip transcoding.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { AbortError, UserError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { GcpClients } from './clients.js';
import { gcpError } from './errors.js';

export interface BucketOptions {
  bucket: string;
  projectId: string;
  /** Bucket location used by --create-bucket and in the hint. */
  region: string;
  createBucket: boolean;
  logger: Logger;
}

export interface UploadOptions extends BucketOptions {
  object: string;
  path: string;
  /** A multiple of 256 KiB. */
  chunkSizeBytes: number;
  signal?: AbortSignal;
}

/** Checks the bucket exists, or creates it when asked to. */
export async function ensureBucket(
  clients: GcpClients,
  options: BucketOptions,
): Promise<void> {
  const { bucket, projectId, region } = options;
  const step = `checking bucket gs://${bucket}`;
  let exists: boolean;
  try {
    [exists] = await clients.storage.bucket(bucket).exists();
  } catch (err) {
    throw gcpError(err, step);
  }
  if (exists) return;
  if (!options.createBucket) {
    throw new UserError(
      'GCP_BUCKET_MISSING',
      `bucket gs://${bucket} (CloudConfig.BucketName) does not exist`,
      {
        hint: `create it with \`gcloud storage buckets create gs://${bucket} --project=${projectId} --location=${region}\`, or pass --create-bucket`,
      },
    );
  }
  options.logger.info(`creating bucket gs://${bucket} in ${region}`);
  try {
    await clients.storage.createBucket(bucket, { location: region });
  } catch (err) {
    throw gcpError(err, `creating bucket gs://${bucket}`);
  }
}

/** Uploads `path` to gs://bucket/object with a resumable session. */
export async function uploadArtifact(
  clients: GcpClients,
  options: UploadOptions,
): Promise<void> {
  const { bucket, object, logger } = options;
  const total = (await stat(options.path)).size;
  const file = clients.storage.bucket(bucket).file(object);
  // application/gzip without Content-Encoding: GCS stores the bytes as they
  // are and never decompresses them on read (peers-and-clouds §3.1).
  const metadata = {
    contentType: 'application/gzip',
    metadata: { 'managed-by': 'skiff' },
  };
  // The session is opened on its own: storage 7.22 sends credentials to a
  // custom endpoint (useAuthWithCustomEndpoint) from createResumableUpload
  // but not from createWriteStream's own session request. The chunks then
  // go to the session URI, which GCS takes as the credential.
  logger.info(`uploading ${object} to gs://${bucket}`);
  let uri: string;
  try {
    [uri] = await file.createResumableUpload({ metadata });
  } catch (err) {
    throw gcpError(err, `starting the upload of gs://${bucket}/${object}`);
  }
  const sink = file.createWriteStream({
    uri,
    resumable: true,
    chunkSize: options.chunkSizeBytes,
    gzip: false,
    contentType: metadata.contentType,
    metadata,
    validation: 'crc32c',
  });
  sink.on('progress', (p: { bytesWritten: number }) =>
    logger.progress(`uploading ${object}`, p.bytesWritten, total),
  );

  try {
    await pipeline(createReadStream(options.path), sink, {
      signal: options.signal,
    });
  } catch (err) {
    if (options.signal?.aborted) {
      throw new AbortError(`uploading gs://${bucket}/${object}: interrupted`);
    }
    throw gcpError(err, `uploading gs://${bucket}/${object}`);
  }
}

/** Removes the uploaded archive; a missing object is fine. */
export async function deleteUpload(
  clients: GcpClients,
  bucket: string,
  object: string,
  logger: Logger,
): Promise<void> {
  try {
    await clients.storage
      .bucket(bucket)
      .file(object)
      .delete({ ignoreNotFound: true });
    logger.debug(`deleted gs://${bucket}/${object}`);
  } catch (err) {
    logger.warn(
      `could not delete gs://${bucket}/${object}: ${gcpError(err, 'cleanup').message}`,
    );
  }
}
