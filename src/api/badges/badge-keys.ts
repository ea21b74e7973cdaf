import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Collection, Db } from 'mongodb';

/** The issuer's signing key and what verifiers need of it. */
export interface BadgeKey {
  privateKey: KeyObject;
  /** RS256 for RSA keys (the algorithm Open Badges 3.0 requires verifiers to support), ES256 for P-256. */
  alg: 'RS256' | 'ES256';
  /** The public key as a JWK (RFC 7517), without `kid`. */
  publicJwk: JsonWebKey;
  /** RFC 7638 JWK thumbprint (base64url SHA-256), the stable part of the key id. */
  thumbprint: string;
  /** Where the key came from. */
  source: 'config' | 'database';
}

interface BadgeKeyDoc {
  _id: string;
  pem: string;
  createdAt: Date;
}

const generate = promisify(generateKeyPair);

/**
 * The badge signing key: `LRS_BADGE_PRIVATE_KEY` when configured, else the key pair kept in
 * MongoDB (`badge_keys`), generated on first start. Generation is race-safe: every process
 * inserts under one id and the loser reads the winner's key. The stored private key is as safe
 * as the database; production deployments should configure their own key.
 */
export async function loadBadgeKey(opts: { db: Db; pem?: string }): Promise<BadgeKey> {
  if (opts.pem !== undefined) return describeKey(createPrivateKey(opts.pem), 'config');
  const col: Collection<BadgeKeyDoc> = opts.db.collection('badge_keys');
  const existing = await col.findOne({ _id: 'default' });
  if (existing) return describeKey(createPrivateKey(existing.pem), 'database');
  const { privateKey } = await generate('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await col.insertOne({ _id: 'default', pem, createdAt: new Date() });
    return describeKey(privateKey, 'database');
  } catch (err) {
    if ((err as { code?: number }).code !== 11000) throw err;
    const winner = await col.findOne({ _id: 'default' });
    if (!winner) throw err;
    return describeKey(createPrivateKey(winner.pem), 'database');
  }
}

function describeKey(privateKey: KeyObject, source: BadgeKey['source']): BadgeKey {
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  let alg: BadgeKey['alg'];
  if (privateKey.asymmetricKeyType === 'rsa') {
    if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('LRS_BADGE_PRIVATE_KEY: an RSA key needs at least 2048 bits');
    alg = 'RS256';
  } else if (privateKey.asymmetricKeyType === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    alg = 'ES256';
  } else {
    throw new Error('LRS_BADGE_PRIVATE_KEY: must be an RSA (2048 bits or more) or EC P-256 private key');
  }
  return { privateKey, alg, publicJwk, thumbprint: thumbprint(publicJwk), source };
}

/** RFC 7638 §3: SHA-256 of the required members in lexicographic order, no whitespace. */
export function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
