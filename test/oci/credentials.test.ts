import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  credentialHelperArgv,
  lookupCredentials,
  runCredentialHelper,
} from '../../src/oci/credentials.js';
import { parseWwwAuthenticate } from '../../src/oci/www-authenticate.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-creds-'));
  path = join(dir, 'config.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('lookupCredentials', () => {
  it('reads inline auths, Docker Hub under its v1 key', async () => {
    await writeFile(
      path,
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
          'registry.example.com:5000': { auth: b64('u:p:with:colons') },
          'https://tok.example.com': { identitytoken: 'refresh-1' },
        },
      }),
    );
    expect(await lookupCredentials('docker.io', { configPath: path })).toEqual({
      username: 'hubuser',
      password: 'hubpass',
    });
    expect(
      await lookupCredentials('registry.example.com:5000', {
        configPath: path,
      }),
    ).toEqual({ username: 'u', password: 'p:with:colons' });
    expect(
      await lookupCredentials('tok.example.com', { configPath: path }),
    ).toEqual({ identityToken: 'refresh-1' });
    expect(
      await lookupCredentials('other.example.com', { configPath: path }),
    ).toBeUndefined();
  });

  it('warns, naming it, when the credsStore helper is not installed', async () => {
    await writeFile(path, JSON.stringify({ credsStore: 'skiff-test-none' }));
    const warnings: string[] = [];
    const creds = await lookupCredentials('registry.example.com', {
      configPath: path,
      runHelper: runCredentialHelper,
      onWarning: (m) => warnings.push(m),
    });
    expect(creds).toBeUndefined();
    expect(warnings).toEqual([
      `credsStore "skiff-test-none" in ${path}: docker-credential-skiff-test-none ` +
        'is not installed; pulling from registry.example.com anonymously',
    ]);
  });

  it('asks credHelpers first, then credsStore', async () => {
    await writeFile(
      path,
      JSON.stringify({
        auths: { 'gcr.io': {} },
        credHelpers: { 'gcr.io': 'gcloud' },
        credsStore: 'desktop',
      }),
    );
    const calls: string[] = [];
    const runHelper = async (helper: string, server: string) => {
      calls.push(`${helper} ${server}`);
      return helper === 'gcloud'
        ? JSON.stringify({ ServerURL: server, Username: '_json', Secret: 'k' })
        : JSON.stringify({ Username: '<token>', Secret: 'idt' });
    };
    expect(
      await lookupCredentials('gcr.io', { configPath: path, runHelper }),
    ).toEqual({ username: '_json', password: 'k' });
    expect(
      await lookupCredentials('docker.io', { configPath: path, runHelper }),
    ).toEqual({ identityToken: 'idt' });
    expect(calls).toEqual([
      'gcloud gcr.io',
      'desktop https://index.docker.io/v1/',
    ]);
  });

  it('names the config file of a credHelpers helper not installed', async () => {
    // As with DOCKER_CONFIG=<dir>: not ~/.docker/config.json.
    await writeFile(
      path,
      JSON.stringify({ credHelpers: { 'gcr.io': 'skiff-test-none' } }),
    );
    await expect(
      lookupCredentials('gcr.io', { configPath: path }),
    ).rejects.toMatchObject({
      code: 'CREDENTIAL_HELPER_MISSING',
      hint:
        'install docker-credential-skiff-test-none, or remove ' +
        `credHelpers["gcr.io"] from ${path}`,
    });
  });

  it('is anonymous without a config file', async () => {
    expect(
      await lookupCredentials('docker.io', { configPath: join(dir, 'none') }),
    ).toBeUndefined();
  });

  it('names a broken config file', async () => {
    await writeFile(path, '{ nope');
    await expect(
      lookupCredentials('docker.io', { configPath: path }),
    ).rejects.toMatchObject({
      code: 'DOCKER_CONFIG_INVALID',
      message: expect.stringContaining(path),
    });
  });

  it('builds the helper command line and refuses odd helper names', () => {
    expect(credentialHelperArgv('ecr-login')).toEqual([
      'docker-credential-ecr-login',
      ['get'],
    ]);
    expect(() => credentialHelperArgv('x; rm -rf /')).toThrow(
      expect.objectContaining({ code: 'CREDENTIAL_HELPER_INVALID' }),
    );
  });
});

describe('parseWwwAuthenticate', () => {
  it('reads a Docker Hub bearer challenge', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/php:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/php:pull',
      },
    });
    expect(parseWwwAuthenticate('Basic realm="r"')?.scheme).toBe('basic');
    expect(parseWwwAuthenticate(null)).toBeUndefined();
  });
});
