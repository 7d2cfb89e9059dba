/**
 * Bearer tokens. A token is a random secret shown once; only its SHA-256 is kept (in the store for
 * `mailtrail tokens add`, in memory for tokens written in the config file). Looking a request's token
 * up by its hash means no secret is ever compared byte by byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { TokenStore } from '../store/store.js';

export type Scope = 'read' | 'admin';

export interface Principal {
  name: string;
  scope: Scope;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** `mt_` + 256 random bits: recognisable in a leaked-secret scan, unguessable. */
export function generateToken(): string {
  return 'mt_' + randomBytes(32).toString('base64url');
}

/** Does `have` allow a request that needs `need`? admin can do everything read can. */
export function allows(have: Scope, need: Scope): boolean {
  return have === 'admin' || need === 'read';
}

export type Authenticator = (authorization: string | undefined) => Promise<Principal | null>;

/**
 * Who a token's hash belongs to, asked again on every request: the web page's sessions keep only the hash,
 * so a token removed with `mailtrail tokens remove` (or from the config) ends its sessions too.
 */
export type HashAuthenticator = (sha256: string) => Promise<Principal | null>;

export function createHashAuthenticator(config: Pick<Config, 'api'>, tokens: TokenStore): HashAuthenticator {
  const fromConfig = new Map(config.api.tokens.map((t) => [hashToken(t.token), { name: t.name, scope: t.scope } as Principal]));
  return async (sha) => {
    const configured = fromConfig.get(sha);
    if (configured) return configured;
    const stored = await tokens.findBySha256(sha);
    return stored ? { name: stored.name, scope: stored.scope } : null;
  };
}

export function createAuthenticator(config: Pick<Config, 'api'>, tokens: TokenStore): Authenticator {
  const byHash = createHashAuthenticator(config, tokens);
  return async (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return m ? byHash(hashToken(m[1])) : null;
  };
}
