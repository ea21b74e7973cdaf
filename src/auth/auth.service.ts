import { createHash, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../errors/app-error';
import { hashSecret, verifySecret } from './secret-hash';
import { isScope, type Scope } from './scopes';
import { agentIfiKey } from '../statements/model/agent-ifi';
import { DEFAULT_STORE, type CredentialsRepository } from './credentials.repository';

/** Who is calling: the store they act in, what they may do, and the authority their statements get. */
export interface Principal {
  store: string;
  scopes: Scope[];
  /** xAPI 1.0.3 Data §2.4.9: the Agent the LRS puts in `authority` of statements this caller stores. */
  authority: Record<string, unknown>;
  /** Canonical IFI key of {@link authority}, used for `statements/read/mine`. */
  authorityKey: string;
}

/** homePage of the account IFI that names API credentials as authorities. */
export const CREDENTIAL_HOMEPAGE = 'urn:competency-lrs:credential';

export interface AuthOptions {
  credentials: CredentialsRepository;
  jwt?: { key: string; algorithms: readonly string[]; issuer?: string; audience?: string };
  /** How long a verified Basic credential stays in memory, sparing scrypt on every request. @defaultValue 60000 */
  cacheTtlMs?: number;
  now?: () => number;
}

interface CacheEntry { principal: Principal; expires: number }
const CACHE_MAX = 10_000;

export function authService(opts: AuthOptions) {
  const ttl = opts.cacheTtlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  // Keyed by a digest of key+secret so the cache never holds a secret and a wrong secret never hits.
  const cache = new Map<string, CacheEntry>();

  // Verifications under way, by digest: concurrent requests with the same credentials share one.
  const inflight = new Map<string, Promise<Principal>>();

  /**
   * A Basic credential, verified at most once per TTL however many requests carry it: a hit is
   * served from memory, and within the last fifth of its TTL one verification runs in the
   * background so the entry is renewed before it expires; a miss (or an expired entry) waits for
   * the one verification under way. Without this, every request in flight when the entry expired
   * ran its own scrypt (about 50 ms of CPU each, four at a time in libuv's pool): under a few
   * hundred requests a second the API stalled for seconds every minute. A revoked credential still
   * stops working within the TTL (the renewal finds it revoked and drops the entry).
   */
  async function basic(encoded: string): Promise<Principal> {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new AppError('UNAUTHORIZED', 'Basic credentials must be base64 of "key:secret"');
    const digest = createHash('sha256').update(decoded).digest('base64');
    const hit = cache.get(digest);
    const t = now();
    if (hit && hit.expires > t) {
      if (hit.expires - t < ttl / 5) verifyOnce(digest, decoded, colon).catch(() => undefined);
      return hit.principal;
    }
    return verifyOnce(digest, decoded, colon);
  }

  function verifyOnce(digest: string, decoded: string, colon: number): Promise<Principal> {
    let p = inflight.get(digest);
    if (p === undefined) {
      p = verify(decoded.slice(0, colon), decoded.slice(colon + 1)).then(
        (principal) => {
          if (cache.size >= CACHE_MAX && !cache.has(digest)) cache.delete(cache.keys().next().value as string);
          cache.set(digest, { principal, expires: now() + ttl });
          return principal;
        },
        (err: unknown) => {
          // Refused (revoked, wrong secret): forget it. Another failure (MongoDB unreachable)
          // leaves an entry that is still valid to serve until it expires.
          if (err instanceof AppError) cache.delete(digest);
          throw err;
        },
      ).finally(() => inflight.delete(digest));
      inflight.set(digest, p);
    }
    return p;
  }

  async function verify(key: string, secret: string): Promise<Principal> {
    const cred = await opts.credentials.findByKey(key);
    // Verify even when the key is unknown, so timing does not reveal which keys exist.
    const ok = await verifySecret(secret, cred?.secretHash ?? DUMMY_HASH);
    if (!cred || !ok || cred.revokedAt) throw new AppError('UNAUTHORIZED', 'Unknown key or wrong secret');
    const authority = { objectType: 'Agent', name: cred.name, account: { homePage: CREDENTIAL_HOMEPAGE, name: cred.key } };
    return { store: cred.store, scopes: cred.scopes, authority, authorityKey: accountKey(CREDENTIAL_HOMEPAGE, cred.key) };
  }

  function bearer(token: string): Principal {
    if (!opts.jwt) throw new AppError('UNAUTHORIZED', 'Bearer tokens are not enabled on this LRS');
    let claims: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, opts.jwt.key, {
        algorithms: opts.jwt.algorithms as jwt.Algorithm[],
        issuer: opts.jwt.issuer,
        audience: opts.jwt.audience,
      });
      if (typeof decoded === 'string') throw new Error('payload is not a JSON object');
      claims = decoded;
    } catch (err) {
      throw new AppError('UNAUTHORIZED', `Bearer token rejected: ${(err as Error).message}`);
    }
    const rawScopes = Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? '').split(/\s+/).filter(Boolean);
    const scopes = rawScopes.filter((s): s is Scope => typeof s === 'string' && isScope(s));
    if (scopes.length === 0) throw new AppError('UNAUTHORIZED', 'Bearer token has no xAPI scope (claim "scope")');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new AppError('UNAUTHORIZED', 'Bearer token has no subject (claim "sub")');
    const store = typeof claims.store === 'string' && claims.store !== '' ? claims.store : DEFAULT_STORE;
    const homePage = typeof claims.iss === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(claims.iss) ? claims.iss : CREDENTIAL_HOMEPAGE;
    return {
      store,
      scopes,
      authority: { objectType: 'Agent', account: { homePage, name: claims.sub } },
      authorityKey: accountKey(homePage, claims.sub),
    };
  }

  return {
    /** Resolves an Authorization header to a principal, or throws 401. */
    async authenticate(header: string | undefined): Promise<Principal> {
      if (!header) throw new AppError('UNAUTHORIZED', 'Authorization header required (Basic or Bearer)');
      const [scheme, value] = header.split(/\s+/, 2);
      if (!value) throw new AppError('UNAUTHORIZED', 'Authorization header has no credentials');
      if (/^basic$/i.test(scheme ?? '')) return basic(value);
      if (/^bearer$/i.test(scheme ?? '')) return bearer(value);
      throw new AppError('UNAUTHORIZED', `Unsupported authorization scheme "${scheme}"; use Basic or Bearer`);
    },

    /** Creates a credential; returns the secret once (it is stored hashed). */
    async createCredential(input: { store: string; scopes: Scope[]; name: string; key?: string; secret?: string }): Promise<{ key: string; secret: string }> {
      const key = input.key ?? randomBytes(12).toString('hex');
      const secret = input.secret ?? randomBytes(24).toString('base64url');
      await opts.credentials.ensureStore(input.store, input.store, new Date(now()));
      await opts.credentials.insert({ store: input.store, key, secretHash: await hashSecret(secret), scopes: input.scopes, name: input.name, createdAt: new Date(now()) });
      return { key, secret };
    },

    /** Seeds (or refreshes) the configured default credential with scope `all` in the default store. */
    async seedDefault(input: { key: string; secret: string }): Promise<void> {
      await opts.credentials.ensureStore(DEFAULT_STORE, 'Default store', new Date(now()));
      const existing = await opts.credentials.findByKey(input.key);
      if (existing && existing.store === DEFAULT_STORE && !existing.revokedAt && (await verifySecret(input.secret, existing.secretHash))) return;
      await opts.credentials.upsert({ store: DEFAULT_STORE, key: input.key, secretHash: await hashSecret(input.secret), scopes: ['all'], name: 'default', createdAt: new Date(now()) });
    },
  };
}
export type AuthService = ReturnType<typeof authService>;

/** The same key the statements model indexes `authority` under (for `statements/read/mine`). */
function accountKey(homePage: string, name: string): string {
  return agentIfiKey({ account: { homePage, name } }) as string;
}

// A valid hash of a random secret: verifying against it costs the same as a real check.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
