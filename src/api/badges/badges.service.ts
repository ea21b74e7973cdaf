import jwt from 'jsonwebtoken';
import { AppError } from '../../errors/app-error';
import type { ScoresService } from '../scores/scores.service';
import type { BadgeKey } from './badge-keys';
import { OB_CONTEXT, openBadgeCredential } from './open-badge';

export interface BadgesServiceDeps {
  scores: ScoresService;
  key: BadgeKey;
  /** The display name of a store (the issuer's name); null for a store that does not exist. */
  storeName: (store: string) => Promise<string | null>;
}

/** Where the JWKS is published. */
export const JWKS_PATH = '/api/.well-known/jwks.json';

/**
 * The key id: the RFC 9278 JWK Thumbprint URI. A URI, as OB 3.0 asks of `kid`, that does not
 * depend on the host name the LRS was reached by; the header also carries the public `jwk`,
 * which is what OB 3.0 allows verifiers to use directly.
 */
export function keyId(thumbprint: string): string {
  return `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${thumbprint}`;
}

/**
 * Open Badges 3.0 credentials for validated competencies, signed as VC-JWTs (OB 3.0 §8.2: the
 * JWT payload is the credential plus `iss`, `sub`, `jti`, `nbf`, `exp`; the JOSE header has
 * `alg`, `typ: JWT`, the public `jwk` and its `kid`, which our JWKS lists).
 */
export function badgesService(deps: BadgesServiceDeps) {
  const kid = keyId(deps.key.thumbprint);
  const { kty, n, e, crv, x, y } = deps.key.publicJwk;
  // Only the public members, whatever the key object holds (RFC 7517 §9.2).
  const publicJwk = kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y };
  return {
    async issue(input: { store: string; learnerId: string; frameworkId: string; competencyId: string; baseUrl: string }) {
      const { learner, framework, competency, standing, at } = await deps.scores.standing(input.store, input.learnerId, input.frameworkId, input.competencyId);
      if (!standing.validated || standing.validatedLevel === null || standing.validatedAt === null) {
        const why = standing.validatedAt !== null && standing.validUntil !== null && standing.validUntil <= at
          ? `its validation expired at ${new Date(standing.validUntil).toISOString()}; reassessment is needed`
          : `it is not validated${standing.missing.length > 0 ? ` (not yet: ${standing.missing.join(', ')})` : ''}`;
        throw new AppError('NOT_VALIDATED', `No badge for "${competency.id}": ${why}`);
      }
      const { credential, claims } = openBadgeCredential({
        baseUrl: input.baseUrl,
        store: { id: input.store, name: (await deps.storeName(input.store)) ?? input.store },
        learner,
        framework,
        competency,
        validation: { levelId: standing.validatedLevel, validatedAt: standing.validatedAt, validUntil: standing.validUntil },
      });
      // Claims are set explicitly (noTimestamp: no `iat`), so the same validation signs the same token.
      const token = jwt.sign({ ...credential, ...claims }, deps.key.privateKey, {
        algorithm: deps.key.alg,
        keyid: kid,
        header: { alg: deps.key.alg, typ: 'JWT', jwk: publicJwk } as jwt.JwtHeader,
        noTimestamp: true,
      });
      return { credential, jwt: token };
    },

    /** The public key set verifiers fetch (RFC 7517 §5), never a private member. */
    jwks() {
      return { keys: [{ ...publicJwk, kid, alg: deps.key.alg, use: 'sig' }] };
    },

    /** The issuer Profile a credential's `issuer.id` dereferences to. */
    async issuer(store: string, baseUrl: string) {
      const name = await deps.storeName(store);
      if (name === null) throw new AppError('NOT_FOUND', `No issuer "${store}"`);
      return { '@context': [...OB_CONTEXT], id: `${baseUrl}/api/issuers/${encodeURIComponent(store)}`, type: ['Profile'], name };
    },
  };
}
export type BadgesService = ReturnType<typeof badgesService>;
