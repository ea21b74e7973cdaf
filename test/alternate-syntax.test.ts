import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { BASIC, startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('alternate request syntax (xAPI 1.0.3 Communication §1.3)', () => {
  it('stores a statement sent as POST ?method=PUT with headers, parameters and content in the form', async () => {
    const id = randomUUID();
    await request(lrs.app).post('/xapi/statements?method=PUT').type('form')
      .send(form({ Authorization: BASIC, 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json', statementId: id, content: JSON.stringify(statement()) }))
      .expect(204);
    const got = await xapi(lrs.app, '1.0.3').get(`/xapi/statements?statementId=${id}`).expect(200);
    expect(got.body.id).toBe(id);
  });

  it('reads statements with POST ?method=GET and form parameters', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const [id] = (await xapi(lrs.app, '1.0.3').post('/xapi/statements').send(statement({ verb: { id: verb } })).expect(200)).body;
    const res = await request(lrs.app).post('/xapi/statements?method=GET').type('form')
      .send(form({ Authorization: BASIC, 'X-Experience-API-Version': '1.0.3', verb })).expect(200);
    expect(res.headers['x-experience-api-version']).toBe('1.0.3');
    expect(res.body.statements.map((s: { id: string }) => s.id)).toEqual([id]);
  });

  it('rejects other query parameters, methods it does not know and a non-form body', async () => {
    const base = { Authorization: BASIC, 'X-Experience-API-Version': '1.0.3' };
    const extra = await request(lrs.app).post('/xapi/statements?method=GET&verb=x').type('form').send(form(base)).expect(400);
    expect(extra.body.error.message).toMatch(/form body/);
    await request(lrs.app).post('/xapi/statements?method=PATCH').type('form').send(form(base)).expect(400);
    await request(lrs.app).post('/xapi/statements?method=GET').set('Content-Type', 'application/json').send(base).expect(400);
  });

  it('is refused for xAPI 2.0, whether the version comes as a header or a form field', async () => {
    const viaForm = await request(lrs.app).post('/xapi/statements?method=GET').type('form')
      .send(form({ Authorization: BASIC, 'X-Experience-API-Version': '2.0.0' })).expect(400);
    expect(viaForm.body.error.message).toMatch(/not part of xAPI 2.0/);
    await request(lrs.app).post('/xapi/statements?method=GET').set('X-Experience-API-Version', '2.0.0').type('form')
      .send(form({ Authorization: BASIC })).expect(400);
  });

  it('still needs credentials, taken from the form', async () => {
    await request(lrs.app).post('/xapi/statements?method=GET').type('form').send(form({ 'X-Experience-API-Version': '1.0.3' })).expect(401);
  });
});
