// Registry authentication: Basic from credentials, or a bearer token
// from the challenge's realm (anonymous, user:password or an identity
// token). Every secret is registered with the logger before use.
import { CloudError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RegistryCredentials } from './credentials.js';
import { expectOk } from './registry-errors.js';
import type { AuthChallenge } from './www-authenticate.js';

export interface RegistryAuthOptions {
  registry: string;
  repository: string;
  /** `pull` or `pull,push`. */
  actions?: string | undefined;
  credentials?: RegistryCredentials | undefined;
  logger: Logger;
  /** GETs or POSTs the token endpoint (with retries and a deadline). */
  fetchToken: (url: URL, init: RequestInit) => Promise<Response>;
}

export class RegistryAuth {
  private token: string | undefined;
  private basic: string | undefined;

  constructor(private readonly options: RegistryAuthOptions) {
    const c = options.credentials;
    if (c?.password) options.logger.addSecret(c.password);
    if (c?.identityToken) options.logger.addSecret(c.identityToken);
  }

  /** The Authorization header for the registry, if any. */
  authorization(): string | undefined {
    if (this.token) return `Bearer ${this.token}`;
    return this.basic;
  }

  /** Answers a challenge; false when there is nothing more to try. */
  async answer(challenge: AuthChallenge): Promise<boolean> {
    const creds = this.options.credentials;
    if (challenge.scheme === 'basic') {
      if (!creds?.username || this.basic) return false;
      this.basic = `Basic ${Buffer.from(
        `${creds.username}:${creds.password ?? ''}`,
      ).toString('base64')}`;
      this.options.logger.addSecret(this.basic.slice(6));
      return true;
    }
    // A token seen before may have expired (Docker Hub's last minutes):
    // a fresh one is fetched; request() retries only once.
    if (challenge.scheme !== 'bearer') return false;
    const realm = challenge.params.realm;
    if (!realm) return false;
    const scope = `repository:${this.options.repository}:${this.options.actions ?? 'pull'}`;
    this.token = await this.fetchToken(realm, challenge.params.service, scope);
    this.options.logger.addSecret(this.token);
    return true;
  }

  private async fetchToken(
    realm: string,
    service: string | undefined,
    scope: string,
  ): Promise<string> {
    const creds = this.options.credentials;
    const url = new URL(realm);
    let res: Response;
    if (creds?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'skiff',
        scope,
      });
      if (service) form.set('service', service);
      res = await this.options.fetchToken(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (creds?.username) {
        const basic = Buffer.from(
          `${creds.username}:${creds.password ?? ''}`,
        ).toString('base64');
        this.options.logger.addSecret(basic);
        headers.Authorization = `Basic ${basic}`;
      }
      res = await this.options.fetchToken(url, { headers });
    }
    await expectOk(
      res,
      `getting a token from ${url.host}`,
      this.options.registry,
    );
    const body = (await res.json()) as {
      token?: string;
      access_token?: string;
    };
    const token = body.token ?? body.access_token;
    if (!token) {
      throw new CloudError(
        'REGISTRY_TOKEN_MISSING',
        `token endpoint ${url.host} returned no token`,
      );
    }
    return token;
  }
}
