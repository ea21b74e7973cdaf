import jwt from 'jsonwebtoken';
import request from 'supertest';
import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789';
let lrs: TestLrs;
beforeAll(async () => {
  lrs = await startTestLrs({ LRS_JWT_SECRET: JWT_SECRET, LRS_JWT_ISSUER: 'https://idp.example.com', LRS_JWT_AUDIENCE: 'lrs' });
});
afterAll(async () => { await lrs.close(); });

const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
const bearer = (claims: Record<string, unknown>, opts: jwt.SignOptions = {}) =>
  `Bearer ${jwt.sign(claims, JWT_SECRET, { issuer: 'https://idp.example.com', audience: 'lrs', expiresIn: 60, ...opts })}`;

describe('authentication', () => {
  it('answers 401 without credentials and with a wrong secret', async () => {
    const none = await xapi(lrs.app, '2.0.0', null).get('/xapi/statements').expect(401);
    expect(none.headers['www-authenticate']).toMatch(/Basic/);
    await xapi(lrs.app, '2.0.0', basic('test-key', 'wrong')).get('/xapi/statements').expect(401);
    await xapi(lrs.app, '2.0.0', basic('nobody', 'x')).get('/xapi/statements').expect(401);
  });

  it('keeps each store\'s statements apart', async () => {
    const other = await lrs.container.auth.createCredential({ store: 'acme', scopes: ['all'], name: 'acme' });
    const [id] = (await xapi(lrs.app).post('/xapi/statements').send(statement()).expect(200)).body;
    await xapi(lrs.app, '2.0.0', basic(other.key, other.secret)).get(`/xapi/statements?statementId=${id}`).expect(404);
    const list = await xapi(lrs.app, '2.0.0', basic(other.key, other.secret)).get('/xapi/statements').expect(200);
    expect(list.body.statements).toEqual([]);
  });

  it('enforces scopes: write-only cannot read, read-only cannot write', async () => {
    const writer = await lrs.container.auth.createCredential({ store: 'default', scopes: ['statements/write'], name: 'writer' });
    const reader = await lrs.container.auth.createCredential({ store: 'default', scopes: ['all/read'], name: 'reader' });
    await xapi(lrs.app, '2.0.0', basic(writer.key, writer.secret)).post('/xapi/statements').send(statement()).expect(200);
    const res = await xapi(lrs.app, '2.0.0', basic(writer.key, writer.secret)).get('/xapi/statements').expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    await xapi(lrs.app, '2.0.0', basic(reader.key, reader.secret)).get('/xapi/statements').expect(200);
    await xapi(lrs.app, '2.0.0', basic(reader.key, reader.secret)).post('/xapi/statements').send(statement()).expect(403);
  });

  it('limits statements/read/mine to statements the credential stored', async () => {
    const mine = await lrs.container.auth.createCredential({ store: 'default', scopes: ['statements/write', 'statements/read/mine'], name: 'mine' });
    const auth = basic(mine.key, mine.secret);
    const [own] = (await xapi(lrs.app, '2.0.0', auth).post('/xapi/statements').send(statement()).expect(200)).body;
    const [foreign] = (await xapi(lrs.app).post('/xapi/statements').send(statement()).expect(200)).body;
    const list = await xapi(lrs.app, '2.0.0', auth).get('/xapi/statements').expect(200);
    expect(list.body.statements.map((s: { id: string }) => s.id)).toEqual([own]);
    await xapi(lrs.app, '2.0.0', auth).get(`/xapi/statements?statementId=${foreign}`).expect(404);
  });

  it('accepts Bearer JWTs with pinned issuer and audience, taking store and scope from claims', async () => {
    const token = bearer({ sub: 'lms-1', scope: 'statements/write statements/read', store: 'default' });
    const [id] = (await xapi(lrs.app, '2.0.0', token).post('/xapi/statements').send(statement()).expect(200)).body;
    const got = await xapi(lrs.app, '2.0.0', token).get(`/xapi/statements?statementId=${id}`).expect(200);
    expect(got.body.authority.account).toEqual({ homePage: 'https://idp.example.com', name: 'lms-1' });
    const wrongAudience = `Bearer ${jwt.sign({ sub: 'x', scope: 'all' }, JWT_SECRET, { issuer: 'https://idp.example.com', audience: 'other' })}`;
    const res = await xapi(lrs.app, '2.0.0', wrongAudience).get('/xapi/statements').expect(401);
    expect(res.body.error.message).toMatch(/audience/);
    const noneAlg = `Bearer ${jwt.sign({ sub: 'x', scope: 'all' }, '', { algorithm: 'none' })}`;
    await xapi(lrs.app, '2.0.0', noneAlg).get('/xapi/statements').expect(401);
  });
});

describe('protocol', () => {
  it('requires X-Experience-API-Version except on GET /about, and echoes the version asked', async () => {
    const res = await request(lrs.app).get('/xapi/statements').set('Authorization', `Basic ${Buffer.from('test-key:test-secret-123').toString('base64')}`).expect(400);
    expect(res.body.error.code).toBe('VERSION_HEADER');
    expect(res.headers['x-experience-api-version']).toBe('2.0.0');
    const about = await request(lrs.app).get('/xapi/about').expect(200);
    expect(about.body.version).toEqual(['1.0.3', '2.0.0']);
    const v1 = await xapi(lrs.app, '1.0.1').get('/xapi/statements?limit=1').expect(200);
    expect(v1.headers['x-experience-api-version']).toBe('1.0.3');
    await xapi(lrs.app, '0.95').get('/xapi/statements').expect(400);
  });

  it('rejects the alternate request syntax on 2.0', async () => {
    const res = await xapi(lrs.app).post('/xapi/statements?method=GET').send('').expect(400);
    expect(res.body.error.message).toMatch(/alternate request syntax/);
  });

  it('answers CORS preflights from any origin with the xAPI headers allowed and exposed', async () => {
    const pre = await request(lrs.app).options('/xapi/statements')
      .set('Origin', 'https://content.example.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,x-experience-api-version')
      .expect(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-headers']).toMatch(/X-Experience-API-Version/i);
    const got = await xapi(lrs.app).get('/xapi/statements?limit=1').set('Origin', 'https://content.example.org').expect(200);
    expect(got.headers['access-control-expose-headers']).toMatch(/X-Experience-API-Consistent-Through/);
  });

  it('answers 405 for methods a resource does not have and 404 outside the endpoint', async () => {
    await xapi(lrs.app).delete('/xapi/statements').expect(405);
    const res = await xapi(lrs.app).get('/xapi/nothing-here').expect(404);
    expect(res.headers['x-experience-api-version']).toBeDefined();
  });
});
