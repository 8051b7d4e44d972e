// Registry credentials from ~/.docker/config.json: inline `auths`
// (base64 user:password or an identity token), per-registry `credHelpers`
// and the default `credsStore`, read through docker-credential-<helper>.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { errnoCode, EnvironmentError, UserError } from '../errors.js';
import { DOCKER_HUB } from './reference.js';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token, traded for a bearer token. */
  identityToken?: string;
}

interface DockerConfigFile {
  auths?: Record<
    string,
    {
      auth?: string;
      username?: string;
      password?: string;
      identitytoken?: string;
    }
  >;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Runs `docker-credential-<helper> get` with the server on stdin. */
export type CredentialHelperRunner = (
  helper: string,
  serverUrl: string,
) => Promise<string>;

export interface CredentialLookupOptions {
  /** Path of config.json (DOCKER_CONFIG/config.json or ~/.docker/...). */
  configPath: string;
  runHelper?: CredentialHelperRunner;
  /** Told when a configured helper cannot run and the pull goes anonymous. */
  onWarning?: (message: string) => void;
}

/** The key Docker itself stores Docker Hub credentials under. */
const HUB_KEY = 'https://index.docker.io/v1/';

/** Reduces "https://host:5000/v1/" and "host:5000" to "host:5000". */
export function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  const lower = host.toLowerCase();
  if (
    lower === 'index.docker.io' ||
    lower === 'registry-1.docker.io' ||
    lower === 'docker.io'
  ) {
    return DOCKER_HUB;
  }
  return lower;
}

/** The argv of a credential helper call (a pure builder). */
export function credentialHelperArgv(helper: string): [string, string[]] {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new UserError(
      'CREDENTIAL_HELPER_INVALID',
      `invalid credential helper name "${helper}" in Docker config`,
      { hint: 'fix credsStore/credHelpers in the Docker config' },
    );
  }
  return [`docker-credential-${helper}`, ['get']];
}

export const runCredentialHelper: CredentialHelperRunner = (
  helper,
  serverUrl,
) =>
  new Promise((resolve, reject) => {
    const [cmd, args] = credentialHelperArgv(helper);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (errText += d.toString('utf8')));
    child.on('error', (err) =>
      reject(
        new EnvironmentError(
          'CREDENTIAL_HELPER_MISSING',
          `cannot run ${cmd} for ${serverUrl}`,
          {
            cause: err,
            hint: `install ${cmd} or remove it from the Docker config`,
          },
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else
        reject(
          new EnvironmentError(
            'CREDENTIAL_HELPER_FAILED',
            `${cmd} get failed for ${serverUrl}: ${errText.trim() || out.trim()}`,
          ),
        );
    });
    child.stdin.end(serverUrl);
  });

async function readConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw err;
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch (err) {
    throw new UserError('DOCKER_CONFIG_INVALID', `${path} is not valid JSON`, {
      cause: err,
      hint: 'fix or move the Docker config file',
    });
  }
}

function fromHelperOutput(out: string): RegistryCredentials | undefined {
  if (!out.trim()) return undefined;
  const parsed = JSON.parse(out) as { Username?: string; Secret?: string };
  if (!parsed.Secret) return undefined;
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret };
  return { username: parsed.Username ?? '', password: parsed.Secret };
}

function fromAuthEntry(
  entry: NonNullable<DockerConfigFile['auths']>[string],
): RegistryCredentials | undefined {
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) {
      return { username: plain.slice(0, i), password: plain.slice(i + 1) };
    }
  }
  if (entry.username && entry.password) {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/**
 * A helper that is not installed or has a bad name, with a hint naming
 * the config file it came from ($DOCKER_CONFIG's, or ~/.docker's).
 */
function namingConfig(
  err: unknown,
  key: string,
  helper: string,
  configPath: string,
): unknown {
  if (!(err instanceof EnvironmentError || err instanceof UserError)) {
    return err;
  }
  const fix =
    err.code === 'CREDENTIAL_HELPER_MISSING'
      ? `install docker-credential-${helper}, or remove ${key} from ${configPath}`
      : err.code === 'CREDENTIAL_HELPER_INVALID'
        ? `fix ${key} in ${configPath}`
        : undefined;
  if (!fix) return err;
  const Kind = err instanceof UserError ? UserError : EnvironmentError;
  return new Kind(err.code, err.message, { cause: err.cause, hint: fix });
}

/** Credentials for a registry, or undefined for anonymous access. */
export async function lookupCredentials(
  registry: string,
  options: CredentialLookupOptions,
): Promise<RegistryCredentials | undefined> {
  const config = await readConfig(options.configPath);
  const want = normalizeRegistryKey(registry);
  const serverUrl = want === DOCKER_HUB ? HUB_KEY : want;
  const run = options.runHelper ?? runCredentialHelper;

  const helperKey = Object.keys(config.credHelpers ?? {}).find(
    (k) => normalizeRegistryKey(k) === want,
  );
  const helper = helperKey ? config.credHelpers![helperKey] : undefined;
  if (helper) {
    const out = await run(helper, serverUrl).catch((err: unknown) => {
      const key = `credHelpers["${helperKey}"]`;
      throw namingConfig(err, key, helper, options.configPath);
    });
    return fromHelperOutput(out);
  }

  const authKey = Object.keys(config.auths ?? {}).find(
    (k) => normalizeRegistryKey(k) === want,
  );
  const inline = authKey ? fromAuthEntry(config.auths![authKey]!) : undefined;
  if (inline) return inline;

  if (config.credsStore) {
    try {
      return fromHelperOutput(await run(config.credsStore, serverUrl));
    } catch (err) {
      // Docker treats "credentials not found" from the store as anonymous;
      // a store that is not even installed deserves a word, or the pull's
      // 401 would not say why no credentials were sent.
      if (!(err instanceof EnvironmentError)) throw err;
      if (err.code === 'CREDENTIAL_HELPER_MISSING') {
        const [cmd] = credentialHelperArgv(config.credsStore);
        options.onWarning?.(
          `credsStore "${config.credsStore}" in ${options.configPath}: ` +
            `${cmd} is not installed; pulling from ${registry} anonymously`,
        );
      }
      return undefined;
    }
  }
  return undefined;
}
