import { randomUUID } from 'node:crypto';
import { basicAuth, startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });
const enc = encodeURIComponent;

describe('GET /xapi/activities', () => {
  it('returns the canonical definition merged from the statements that defined it', async () => {
    const id = `http://example.com/activities/${randomUUID()}`;
    await xapi(lrs.app).post('/xapi/statements').send(statement({ object: { id, definition: { name: { 'en-US': 'Fire safety' }, type: 'http://adlnet.gov/expapi/activities/module' } } })).expect(200);
    await xapi(lrs.app).post('/xapi/statements').send(statement({ object: { id, definition: { name: { 'de-DE': 'Brandschutz' }, description: { 'en-US': 'Evacuation drill' } } } })).expect(200);
    const res = await xapi(lrs.app).get(`/xapi/activities?activityId=${enc(id)}`).expect(200);
    expect(res.body).toEqual({
      objectType: 'Activity',
      id,
      definition: { name: { 'en-US': 'Fire safety', 'de-DE': 'Brandschutz' }, description: { 'en-US': 'Evacuation drill' }, type: 'http://adlnet.gov/expapi/activities/module' },
    });
  });

  it('knows activities from context activities too, and ignores definitions from credentials without define', async () => {
    const parent = `http://example.com/courses/${randomUUID()}`;
    const writer = await lrs.container.auth.createCredential({ store: 'default', scopes: ['statements/write'], name: 'no-define' });
    await xapi(lrs.app, '2.0.0', basicAuth(writer.key, writer.secret)).post('/xapi/statements')
      .send(statement({ context: { contextActivities: { parent: [{ id: parent, definition: { name: { en: 'Untrusted name' } } }] } } })).expect(200);
    const res = await xapi(lrs.app).get(`/xapi/activities?activityId=${enc(parent)}`).expect(200);
    expect(res.body).toEqual({ objectType: 'Activity', id: parent });
  });

  it('answers 404 for an unknown activity and 400 for a bad or missing activityId', async () => {
    await xapi(lrs.app).get(`/xapi/activities?activityId=${enc('http://example.com/never-seen')}`).expect(404);
    await xapi(lrs.app).get('/xapi/activities').expect(400);
    await xapi(lrs.app).get('/xapi/activities?activityId=not%20an%20iri').expect(400);
    await xapi(lrs.app).get(`/xapi/activities?activityId=${enc('http://x.com/a')}&extra=1`).expect(400);
  });

  it('keeps every concurrent definition merge', async () => {
    const id = `http://example.com/activities/${randomUUID()}`;
    const langs = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pt', 'sv'];
    await Promise.all(langs.map((l) => xapi(lrs.app).post('/xapi/statements').send(statement({ object: { id, definition: { name: { [l]: `name-${l}` } } } })).expect(200)));
    const res = await xapi(lrs.app).get(`/xapi/activities?activityId=${enc(id)}`).expect(200);
    expect(Object.keys(res.body.definition.name).sort()).toEqual([...langs].sort());
  });
});

describe('GET /xapi/agents', () => {
  it('returns a Person with every name statements gave the agent', async () => {
    const mbox = `mailto:${randomUUID()}@example.com`;
    await xapi(lrs.app).post('/xapi/statements').send([statement({ actor: { mbox, name: 'Ada Lovelace' } }), statement({ actor: { mbox, name: 'A. Lovelace' } })]).expect(200);
    const res = await xapi(lrs.app).get(`/xapi/agents?agent=${enc(JSON.stringify({ mbox }))}`).expect(200);
    expect(res.body.objectType).toBe('Person');
    expect(res.body.mbox).toEqual([mbox]);
    expect(res.body.name.sort()).toEqual(['A. Lovelace', 'Ada Lovelace']);
  });

  it('returns a Person with just the identifier asked for an agent the LRS has never seen', async () => {
    const account = { homePage: 'https://lms.example.com', name: randomUUID() };
    const res = await xapi(lrs.app).get(`/xapi/agents?agent=${enc(JSON.stringify({ account }))}`).expect(200);
    expect(res.body).toEqual({ objectType: 'Person', account: [account] });
  });

  it('rejects a Group, malformed JSON and an agent without an identifier', async () => {
    const group = { objectType: 'Group', mbox: 'mailto:team@example.com' };
    await xapi(lrs.app).get(`/xapi/agents?agent=${enc(JSON.stringify(group))}`).expect(400);
    await xapi(lrs.app).get('/xapi/agents?agent=%7Bnope').expect(400);
    const res = await xapi(lrs.app).get(`/xapi/agents?agent=${enc(JSON.stringify({ name: 'No IFI' }))}`).expect(400);
    expect(res.body.error.message).toMatch(/agent/);
  });
});
