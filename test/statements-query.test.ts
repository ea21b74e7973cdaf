import { randomUUID } from 'node:crypto';
import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const enc = encodeURIComponent;
type S = { id: string; stored: string };
const ids = (body: { statements: S[] }) => body.statements.map((s) => s.id);

async function post(...statements: Record<string, unknown>[]): Promise<string[]> {
  return (await xapi(lrs.app).post('/xapi/statements').send(statements).expect(200)).body;
}

describe('GET /xapi/statements filters', () => {
  it('filters by agent (actor or object), and by related agents when asked', async () => {
    const mbox = `mailto:${randomUUID()}@example.com`;
    const instructor = `mailto:${randomUUID()}@example.com`;
    const [asActor] = await post(statement({ actor: { mbox } }));
    const [asObject] = await post(statement({ object: { objectType: 'Agent', mbox } }));
    const [asInstructor] = await post(statement({ context: { instructor: { mbox: instructor } } }));
    const [asMember] = await post(statement({ actor: { objectType: 'Group', member: [{ mbox }] } }));
    const plain = await xapi(lrs.app).get(`/xapi/statements?agent=${enc(JSON.stringify({ mbox }))}`).expect(200);
    expect(ids(plain.body).sort()).toEqual([asActor, asObject, asMember].sort());
    const byInstructor = await xapi(lrs.app).get(`/xapi/statements?agent=${enc(JSON.stringify({ mbox: instructor }))}`).expect(200);
    expect(ids(byInstructor.body)).toEqual([]);
    const related = await xapi(lrs.app).get(`/xapi/statements?related_agents=true&agent=${enc(JSON.stringify({ mbox: instructor }))}`).expect(200);
    expect(ids(related.body)).toEqual([asInstructor]);
  });

  it('counts 2.0 context agents and context groups for related_agents', async () => {
    const coach = `mailto:${randomUUID()}@example.com`;
    const teamMember = `mailto:${randomUUID()}@example.com`;
    const [id] = await post(statement({
      context: {
        contextAgents: [{ objectType: 'contextAgent', agent: { mbox: coach }, relevantTypes: ['http://example.com/types/coach'] }],
        contextGroups: [{ objectType: 'contextGroup', group: { objectType: 'Group', member: [{ mbox: teamMember }] } }],
      },
    }));
    for (const who of [coach, teamMember]) {
      const res = await xapi(lrs.app).get(`/xapi/statements?related_agents=true&agent=${enc(JSON.stringify({ mbox: who }))}`).expect(200);
      expect(ids(res.body)).toEqual([id]);
    }
  });

  it('filters by verb, activity, related activities and registration', async () => {
    const activity = `http://example.com/act/${randomUUID()}`;
    const parent = `http://example.com/parent/${randomUUID()}`;
    const registration = randomUUID();
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const [a] = await post(statement({ object: { id: activity }, verb: { id: verb } }));
    const [b] = await post(statement({ context: { registration, contextActivities: { parent: [{ id: parent }] } } }));
    expect(ids((await xapi(lrs.app).get(`/xapi/statements?verb=${enc(verb)}`).expect(200)).body)).toEqual([a]);
    expect(ids((await xapi(lrs.app).get(`/xapi/statements?activity=${enc(activity)}`).expect(200)).body)).toEqual([a]);
    expect(ids((await xapi(lrs.app).get(`/xapi/statements?activity=${enc(parent)}`).expect(200)).body)).toEqual([]);
    expect(ids((await xapi(lrs.app).get(`/xapi/statements?activity=${enc(parent)}&related_activities=true`).expect(200)).body)).toEqual([b]);
    expect(ids((await xapi(lrs.app).get(`/xapi/statements?registration=${registration}`).expect(200)).body)).toEqual([b]);
  });

  it('orders newest stored first, oldest first with ascending, and applies since (exclusive) and until (inclusive)', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const stored: S[] = [];
    for (let i = 0; i < 3; i++) {
      const [id] = await post(statement({ verb: { id: verb } }));
      stored.push((await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200)).body);
      await new Promise((r) => setTimeout(r, 5));
    }
    const desc = await xapi(lrs.app).get(`/xapi/statements?verb=${enc(verb)}`).expect(200);
    expect(ids(desc.body)).toEqual(stored.map((s) => s.id).reverse());
    const asc = await xapi(lrs.app).get(`/xapi/statements?verb=${enc(verb)}&ascending=true`).expect(200);
    expect(ids(asc.body)).toEqual(stored.map((s) => s.id));
    const window = await xapi(lrs.app).get(`/xapi/statements?verb=${enc(verb)}&since=${enc(stored[0]!.stored)}&until=${enc(stored[2]!.stored)}`).expect(200);
    expect(ids(window.body)).toEqual([stored[2]!.id, stored[1]!.id]);
  });

  it('pages with limit and more links that stay correct while new statements arrive', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const posted = await post(...Array.from({ length: 7 }, () => statement({ verb: { id: verb } })));
    const seen: string[] = [];
    let res = await xapi(lrs.app).get(`/xapi/statements?verb=${enc(verb)}&limit=3`).expect(200);
    seen.push(...ids(res.body));
    // Statements stored after the first page must not shift the pages that follow.
    await post(statement({ verb: { id: verb } }), statement({ verb: { id: verb } }));
    while (res.body.more) {
      expect(res.body.more).toMatch(/^\/xapi\/statements\?more=/);
      res = await xapi(lrs.app).get(res.body.more).expect(200);
      seen.push(...ids(res.body));
    }
    expect(seen.sort()).toEqual([...posted].sort());
  });

  it('returns an empty more when everything fits', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    await post(statement({ verb: { id: verb } }));
    const res = await xapi(lrs.app).get(`/xapi/statements?verb=${enc(verb)}&limit=5`).expect(200);
    expect(res.body.more).toBe('');
  });

  it('rejects a more link that was altered', async () => {
    const res = await xapi(lrs.app).get('/xapi/statements?more=not-a-token').expect(400);
    expect(res.body.error.code).toBe('INVALID_MORE_TOKEN');
  });

  it('returns ids and canonical formats', async () => {
    const [id] = await post(statement());
    const idsFormat = (await xapi(lrs.app).get(`/xapi/statements?statementId=${id}&format=ids`).expect(200)).body;
    expect(idsFormat.actor).toEqual({ objectType: 'Agent', mbox: 'mailto:ada@example.com' });
    expect(idsFormat.object).toEqual({ objectType: 'Activity', id: expect.any(String) });
    const canonical = (await xapi(lrs.app).get(`/xapi/statements?statementId=${id}&format=canonical`).set('Accept-Language', 'fr-FR, en;q=0.5').expect(200)).body;
    expect(canonical.verb.display).toEqual({ 'fr-FR': 'a terminé' });
  });

  it('sets Consistent-Through, Last-Modified and answers HEAD without a body', async () => {
    const [id] = await post(statement());
    const res = await xapi(lrs.app).get('/xapi/statements?limit=1').expect(200);
    const through = Date.parse(res.headers['x-experience-api-consistent-through']!);
    const stored = Date.parse((await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`)).body.stored);
    expect(through).toBeGreaterThanOrEqual(stored);
    expect(res.headers['last-modified']).toBeDefined();
    const head = await xapi(lrs.app).head('/xapi/statements?limit=1').expect(200);
    expect(head.text ?? '').toBe('');
    expect(head.headers['x-experience-api-consistent-through']).toBeDefined();
  });

  it('rejects unknown, repeated and malformed parameters, naming each', async () => {
    const res = await xapi(lrs.app).get('/xapi/statements?foo=1&limit=x&since=yesterday&agent=%7B%22name%22%3A%22x%22%7D').expect(400);
    for (const name of ['foo', 'limit', 'since', 'agent']) expect(res.body.error.message).toContain(name);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${randomUUID()}&verb=${enc('http://x.com/v')}`).expect(400);
  });

  it('returns a 2.0 statement to a 1.0.3 reader without 2.0-only properties', async () => {
    const [id] = await post(statement({ context: { contextAgents: [{ objectType: 'contextAgent', agent: { mbox: 'mailto:coach@example.com' } }] } }));
    const res = await xapi(lrs.app, '1.0.3').get(`/xapi/statements?statementId=${id}`).expect(200);
    expect(res.headers['x-experience-api-version']).toBe('1.0.3');
    expect(res.body.context?.contextAgents).toBeUndefined();
  });
});

describe('GET /xapi/statements?attachments=true', () => {
  it('answers multipart/mixed with the statement result as the first part', async () => {
    const [id] = await post(statement());
    const res = await xapi(lrs.app).get(`/xapi/statements?statementId=${id}&attachments=true`).buffer(true).parse((r, cb) => {
      let data = '';
      r.on('data', (c: Buffer) => { data += c.toString(); });
      r.on('end', () => cb(null, data));
    }).expect(200);
    const boundary = /boundary=([^;]+)/.exec(res.headers['content-type']!)?.[1];
    expect(res.headers['content-type']).toMatch(/^multipart\/mixed/);
    const parts = (res.body as string).split(`--${boundary}`);
    expect(parts[1]).toMatch(/Content-Type: application\/json/);
    expect(JSON.parse(parts[1]!.split('\r\n\r\n')[1]!).id).toBe(id);
    expect(parts[parts.length - 1]!.startsWith('--')).toBe(true);
  });
});
