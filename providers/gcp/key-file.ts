// The key file named by GOOGLE_APPLICATION_CREDENTIALS, checked without
// the network before any client uses it: it exists, is JSON, and holds
// what google-auth-library needs for its type (a service account's
// private key must parse). The key itself is never printed.
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeFsError, errnoCode, UserError } from '../../src/errors.js';

const KEY_HINT =
  'point GOOGLE_APPLICATION_CREDENTIALS at a service-account JSON key ' +
  '(`gcloud iam service-accounts keys create`), or unset it to use ' +
  '`gcloud auth application-default login`';

/**
 * The fields google-auth-library's fromJSON insists on; other types
 * (impersonated, external accounts) are left to it.
 */
const REQUIRED: Record<string, string[]> = {
  service_account: ['client_email', 'private_key'],
  authorized_user: ['client_id', 'client_secret', 'refresh_token'],
};
const OTHER_TYPES = new Set([
  'impersonated_service_account',
  'external_account',
  'external_account_authorized_user',
]);

function unusable(path: string, why: string, cause?: unknown): UserError {
  return new UserError(
    'GCP_KEY_FILE_INVALID',
    `GOOGLE_APPLICATION_CREDENTIALS names ${path}, which cannot be used: ${why}`,
    { cause, hint: KEY_HINT },
  );
}

async function readKeyJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') {
      throw new UserError(
        'GCP_KEY_FILE_MISSING',
        `GOOGLE_APPLICATION_CREDENTIALS names ${path}, which does not exist`,
        {
          cause: err,
          hint:
            'point it at a service-account key file, or unset it to use ' +
            '`gcloud auth application-default login`',
        },
      );
    }
    if (code === 'EISDIR') throw unusable(path, 'it is a folder', err);
    throw describeFsError(err, 'reading the GCP key file', path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw unusable(path, 'it is not JSON', err);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw unusable(path, 'it is not a JSON object');
  }
  return json as Record<string, unknown>;
}

/**
 * Throws GCP_KEY_FILE_MISSING or GCP_KEY_FILE_INVALID for a key file
 * the SDK could not use; nothing to check without one.
 */
export async function checkGcpKeyFile(path: string | undefined): Promise<void> {
  if (!path) return;
  const json = await readKeyJson(path);
  const given = typeof json.type === 'string' ? json.type : '';
  if (OTHER_TYPES.has(given)) return;
  // Like the SDK, a file of any other type is read as a service account.
  const type = given === 'authorized_user' ? given : 'service_account';
  const missing = REQUIRED[type]!.filter((k) => !json[k]);
  if (missing.length > 0) {
    throw unusable(path, `it has no ${missing.join(', ')} (type ${type})`);
  }
  if (type !== 'service_account') return;
  try {
    createPrivateKey(String(json.private_key));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw unusable(path, `its private_key is not a readable key (${why})`, err);
  }
}
