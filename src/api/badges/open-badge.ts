/**
 * Open Badges 3.0 (1EdTech, on the W3C Verifiable Credentials Data Model 2.0) credential for a
 * validated competency, built as plain data; `badges.service.ts` signs it as a VC-JWT. Pure.
 *
 * Choices (docs/api.md, "Open Badges"):
 * - `achievement.achievementType` is `Competency`; the achievement is aligned to the framework
 *   item (`targetFramework`, `targetCode` = competency id, `targetUrl` = competency IRI or its
 *   place in the framework), `targetType` `CFItem` when the framework came from CASE.
 * - The learner is identified by `credentialSubject.identifier` (IdentityObjects, salted SHA-256
 *   of each email and account, never in the clear) and by an opaque, stable
 *   `credentialSubject.id` (`urn:uuid:`), which is the JWT `sub`.
 * - The credential is valid from the start of the validation in force to its expiry (none when
 *   the competency has no reassessment interval); its id is derived from learner, competency and
 *   validation, so asking again for the same validation gives the same credential.
 */
import { createHash } from 'node:crypto';
import { competencyIri, type Competency, type Framework } from '../../engine';

export const OB_CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'] as const;

export interface BadgeInput {
  /** Base URL of this LRS (no trailing slash), for the issuer and achievement ids. */
  baseUrl: string;
  store: { id: string; name: string };
  learner: { learnerId: string; identities: string[] };
  framework: Framework;
  competency: Competency;
  validation: { levelId: string; validatedAt: number; validUntil: number | null };
  /** Salt of the hashed identifiers. @defaultValue derived from the credential id */
  salt?: string;
}

/** The JWT claims OB 3.0 §8.2 (JSON Web Token Proof Format) derives from the credential. */
export interface BadgeClaims {
  iss: string;
  sub: string;
  jti: string;
  nbf: number;
  exp?: number;
}

export function openBadgeCredential(input: BadgeInput): { credential: Record<string, unknown>; claims: BadgeClaims } {
  const { baseUrl, store, learner, framework, competency, validation } = input;
  const level = competency.scale.levels.find((l) => l.id === validation.levelId);
  const levelName = level?.title ?? validation.levelId;
  const issuer = { id: `${baseUrl}/api/issuers/${encodeURIComponent(store.id)}`, type: ['Profile'], name: store.name };
  const subjectId = `urn:uuid:${hashUuid(['learner', store.id, learner.learnerId])}`;
  const credentialId = `urn:uuid:${hashUuid(['badge', store.id, learner.learnerId, framework.id, competency.id, validation.levelId, String(validation.validatedAt)])}`;
  const itemUrl = competencyIri(framework.id, competency.id);
  const fromCase = framework.extras?.case !== undefined;
  const validFrom = new Date(validation.validatedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const validUntil = validation.validUntil === null ? undefined : new Date(validation.validUntil).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // A salt per credential keeps one identifier's hashes unlinkable across credentials; derived
  // from the credential id, so the same validation always gives the same credential.
  const salt = input.salt ?? createHash('sha256').update(`salt\u0000${credentialId}`).digest('hex').slice(0, 32);

  const credential: Record<string, unknown> = {
    '@context': [...OB_CONTEXT],
    id: credentialId,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: `${competency.title} (${levelName})`,
    issuer,
    validFrom,
    ...(validUntil !== undefined ? { validUntil } : {}),
    credentialSubject: {
      id: subjectId,
      type: ['AchievementSubject'],
      ...identifiersOf(learner.identities, salt),
      achievement: {
        id: `${baseUrl}/api/frameworks/${encodeURIComponent(framework.id)}#${encodeURIComponent(competency.id)}`,
        type: ['Achievement'],
        achievementType: 'Competency',
        name: competency.title,
        description: competency.description ?? `Demonstrated competency "${competency.title}" of the framework "${framework.title}".`,
        criteria: { narrative: criteriaNarrative(competency, levelName, level?.threshold) },
        alignment: [{
          type: ['Alignment'],
          targetName: competency.title,
          ...(competency.description ? { targetDescription: competency.description } : {}),
          targetUrl: itemUrl,
          targetCode: competency.id,
          targetFramework: framework.title,
          ...(fromCase ? { targetType: 'CFItem' } : {}),
        }],
        creator: issuer,
      },
    },
  };
  const claims: BadgeClaims = {
    iss: issuer.id,
    sub: subjectId,
    jti: credentialId,
    nbf: Math.floor(validation.validatedAt / 1000),
    ...(validation.validUntil !== null ? { exp: Math.floor(validation.validUntil / 1000) } : {}),
  };
  return { credential, claims };
}

/** Salted SHA-256 IdentityObjects of the learner's emails and accounts (OB 3.0 §B.1.11). */
function identifiersOf(identities: string[], salt: string): { identifier?: Record<string, unknown>[] } {
  const out: Record<string, unknown>[] = [];
  for (const key of identities) {
    let identityType: string | undefined;
    let value: string | undefined;
    if (key.startsWith('mbox:mailto:')) [identityType, value] = ['emailAddress', key.slice('mbox:mailto:'.length)];
    else if (key.startsWith('account:')) [identityType, value] = ['accountId', key.slice(key.indexOf('|') + 1)];
    if (identityType === undefined || value === undefined) continue;
    out.push({ type: 'IdentityObject', identityType, hashed: true, identityHash: `sha256$${createHash('sha256').update(value + salt).digest('hex')}`, salt });
  }
  return out.length > 0 ? { identifier: out } : {};
}

function criteriaNarrative(competency: Competency, levelName: string, threshold: number | undefined): string {
  const rule = competency.validationRule ?? {};
  const parts = [
    `Validated at level "${levelName}"${threshold !== undefined ? ` (score threshold ${threshold})` : ''} by the competency engine from xAPI evidence:`,
    `the estimated proficiency clears the threshold with probability at least ${rule.minCertainty ?? 0.8}`,
    `from at least ${rule.minEvidence ?? 3} pieces of evidence`,
  ];
  if ((rule.requiredSourceKinds ?? []).length > 0) parts.push(`including ${(rule.requiredSourceKinds ?? []).join(', ')}`);
  if ((rule.minDistinctSourceKinds ?? 1) > 1) parts.push(`of at least ${rule.minDistinctSourceKinds} kinds`);
  if (competency.rollup) parts.push(`(rolled up from its sub-competencies: ${competency.rollup.mode === 'all-children' ? 'all validated' : `${competency.rollup.minPoints} points`})`);
  return `${parts.join(' ')}.`;
}

/** A UUID-shaped (version 8, RFC 9562 §5.8) SHA-256 digest of the parts. */
function hashUuid(parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x80;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
