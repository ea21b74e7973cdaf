import { createHash, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt, { type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import request from 'supertest';
import { computeState, type EvidenceItem } from '../src/engine';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { statesRepository } from '../src/competency/states.repository';
import { competencyIri } from '../src/competency/write-back';
import { startTestLrs, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc, sampleFramework } from './helpers/api-fixtures';

const DAY = 86_400_000;
const fw = sampleFramework(`https://example.com/frameworks/badges-${randomUUID().slice(0, 8)}`);
const listening = fw.competencies.find((c) => c.id === 'listening')!;

/** A learner validated at "proficient" in listening (evidence and state as the worker writes them). */
async function seedValidated(lrs: TestLrs, learnerId: string, email: string): Promise<{ validatedAt: number; validUntil: number }> {
  await api(lrs.app).put(`/api/frameworks/${enc(fw.id)}`).send(fw);
  await api(lrs.app).put(`/api/learners/${learnerId}`).send({ identities: [{ mbox: email }, { account: { homePage: 'https://lms.example.com', name: learnerId } }] }).expect(201);
  const t0 = Date.now() - 20 * DAY;
  const items: EvidenceItem[] = [0, 1, 2, 3, 4].map((k) => ({
    statementId: randomUUID(), learnerId, competencyId: 'listening', sourceKind: 'knowledge-check', value: 1, weight: 1,
    observedAt: t0 + k * DAY, storedAt: t0 + k * DAY, ruleId: 'quiz', frameworkVersion: fw.version,
  }));
  await evidenceRepository(lrs.container.db).upsert('default', 1, items.map((e) => ({ ...e, frameworkId: fw.id })));
  const state = computeState({ competency: listening, learnerId, evidence: items, now: Date.now() });
  await statesRepository(lrs.container.db).put('default', 1, fw.id, 1, state, new Date());
  return { validatedAt: state.validatedAt!, validUntil: state.validUntil! };
}

async function verifyAgainstJwks(lrs: TestLrs, token: string): Promise<{ header: JwtHeader; payload: JwtPayload }> {
  const jwks = (await request(lrs.app).get('/api/.well-known/jwks.json').expect(200)).body as { keys: Array<Record<string, string>> };
  const header = jwt.decode(token, { complete: true })!.header;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  expect(jwk).toBeDefined();
  expect(jwk!.d).toBeUndefined();
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const payload = jwt.verify(token, key, { algorithms: [jwk!.alg as jwt.Algorithm] }) as JwtPayload;
  return { header, payload };
}

describe('Open Badges 3.0 credentials', () => {
  let lrs: TestLrs;
  const learnerId = `badge-${randomUUID().slice(0, 8)}`;
  const email = `${learnerId}@example.com`;
  let validation: { validatedAt: number; validUntil: number };
  beforeAll(async () => {
    lrs = await startTestLrs({ LRS_PUBLIC_URL: 'https://lrs.example.com' });
    validation = await seedValidated(lrs, learnerId, `mailto:${email}`);
  });
  afterAll(async () => { await lrs.close(); });
  const badgeUrl = (who: string, competency = 'listening') => `/api/learners/${who}/competencies/${competency}/badge?framework=${enc(fw.id)}`;

  it('issues an OpenBadgeCredential whose VC-JWT verifies against the published JWKS, with the right claims', async () => {
    const res = await api(lrs.app).get(badgeUrl(learnerId)).expect(200);
    const { credential, jwt: token } = res.body;
    const { header, payload } = await verifyAgainstJwks(lrs, token);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT', jwk: { kty: 'RSA', e: 'AQAB', n: expect.any(String) } });
    expect(Object.keys(header).sort()).toEqual(['alg', 'jwk', 'kid', 'typ']);
    expect(header.kid).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:[A-Za-z0-9_-]{43}$/);

    // OB 3.0 §8.2: the payload is the credential, with iss, sub, jti, nbf, exp taken from it.
    const { iss, sub, jti, nbf, exp, ...vc } = payload;
    expect(vc).toEqual(credential);
    expect(iss).toBe(credential.issuer.id);
    expect(sub).toBe(credential.credentialSubject.id);
    expect(jti).toBe(credential.id);
    expect(nbf).toBe(Math.floor(validation.validatedAt / 1000));
    expect(exp).toBe(Math.floor(validation.validUntil / 1000));
    expect(Date.parse(credential.validFrom)).toBe(Math.floor(validation.validatedAt / 1000) * 1000);
    expect(Date.parse(credential.validUntil)).toBe(Math.floor(validation.validUntil / 1000) * 1000);

    expect(credential).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
      id: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: 'https://lrs.example.com/api/issuers/default', type: ['Profile'], name: 'Default store' },
      credentialSubject: {
        id: expect.stringMatching(/^urn:uuid:/),
        type: ['AchievementSubject'],
        achievement: {
          type: ['Achievement'],
          achievementType: 'Competency',
          name: 'Active listening',
          description: 'Listens to customers and shows it.',
          criteria: { narrative: expect.stringContaining('Proficient') },
          alignment: [{ type: ['Alignment'], targetName: 'Active listening', targetCode: 'listening', targetFramework: 'Customer service', targetUrl: competencyIri(fw.id, 'listening') }],
        },
      },
    });
    // The learner is identified by salted hashes, never by the address itself.
    expect(JSON.stringify(credential)).not.toContain(email);
    const [mailId, accountId] = credential.credentialSubject.identifier;
    expect(mailId).toMatchObject({ type: 'IdentityObject', identityType: 'emailAddress', hashed: true });
    expect(mailId.identityHash).toBe(`sha256$${createHash('sha256').update(email + mailId.salt).digest('hex')}`);
    expect(accountId).toMatchObject({ identityType: 'accountId', identityHash: `sha256$${createHash('sha256').update(learnerId + accountId.salt).digest('hex')}` });
  });

  it('gives the same credential for the same validation, and the compact JWS alone for application/vc+jwt', async () => {
    const a = (await api(lrs.app).get(badgeUrl(learnerId)).expect(200)).body.jwt;
    const b = await api(lrs.app).get(badgeUrl(learnerId)).set('Accept', 'application/vc+jwt').expect(200);
    expect(b.headers['content-type']).toMatch(/^application\/vc\+jwt/);
    expect(b.text).toBe(a);
  });

  it('publishes the issuer profile and the keys without authentication, never a private member', async () => {
    const issuer = await request(lrs.app).get('/api/issuers/default').expect(200);
    expect(issuer.body).toMatchObject({ type: ['Profile'], name: 'Default store' });
    await request(lrs.app).get('/api/issuers/no-such-store').expect(404);
    const jwks = await request(lrs.app).get('/api/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' })]);
    for (const k of jwks.body.keys) for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k[secret]).toBeUndefined();
  });

  it('answers 409 for a competency not validated, 404 for unknown ones, 400 without the framework', async () => {
    const other = `nobadge-${randomUUID().slice(0, 8)}`;
    await api(lrs.app).put(`/api/learners/${other}`).send({ identities: [{ mbox: `mailto:${other}@example.com` }] }).expect(201);
    const res = await api(lrs.app).get(badgeUrl(other)).expect(409);
    expect(res.body.error).toMatchObject({ code: 'NOT_VALIDATED', message: expect.stringContaining('not validated') });
    const parent = await api(lrs.app).get(badgeUrl(learnerId, 'service')).expect(409);
    expect(parent.body.error.message).toContain('complaints');
    await api(lrs.app).get(badgeUrl(learnerId, 'juggling')).expect(404);
    await api(lrs.app).get(badgeUrl('nobody')).expect(404);
    await api(lrs.app).get(`/api/learners/${learnerId}/competencies/listening/badge`).expect(400);
  });

  it('needs competency/read and stays within the caller\'s store', async () => {
    await api(lrs.app, await credential(lrs, ['statements/read'])).get(badgeUrl(learnerId)).expect(403);
    await api(lrs.app, await credential(lrs, ['competency/read'])).get(badgeUrl(learnerId)).expect(200);
    await api(lrs.app, await credential(lrs, ['all'], 'badge-other')).get(badgeUrl(learnerId)).expect(404);
  });

  it('keeps its generated key pair across restarts (stored in MongoDB)', async () => {
    const before = (await request(lrs.app).get('/api/.well-known/jwks.json').expect(200)).body.keys[0];
    const again = await startTestLrs({ MONGODB_DB: lrs.dbName, LRS_QUEUE_PREFIX: lrs.container.config.queuePrefix, LRS_PUBLIC_URL: 'https://lrs.example.com' });
    try {
      const after = (await request(again.app).get('/api/.well-known/jwks.json').expect(200)).body.keys[0];
      expect(after.n).toBe(before.n);
      const token = (await api(again.app).get(badgeUrl(learnerId)).expect(200)).body.jwt;
      await verifyAgainstJwks(lrs, token);
    } finally {
      await again.container.close();
    }
  });
});

describe('a configured badge key (LRS_BADGE_PRIVATE_KEY)', () => {
  it('signs ES256 with an EC P-256 key and publishes that key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const lrs = await startTestLrs({ LRS_BADGE_PRIVATE_KEY: pem });
    try {
      const learnerId = `es-${randomUUID().slice(0, 8)}`;
      await seedValidated(lrs, learnerId, `mailto:${learnerId}@example.com`);
      const res = await api(lrs.app).get(`/api/learners/${learnerId}/competencies/listening/badge?framework=${enc(fw.id)}`).expect(200);
      const { header, payload } = await verifyAgainstJwks(lrs, res.body.jwt);
      expect(header).toMatchObject({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
      // Without LRS_PUBLIC_URL the issuer id follows the host the request reached.
      expect(payload.iss).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/issuers\/default$/);
      const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
      expect((await request(lrs.app).get('/api/.well-known/jwks.json')).body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, alg: 'ES256' });
    } finally {
      await lrs.close();
    }
  });
});
