import { createHash, randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { BASIC, basicAuth, startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const STATE = '/xapi/activities/state';
const VERSIONS = ['1.0.3', '2.0.0'] as const;

/** A query string; objects (the agent) are sent as JSON. */
function qs(params: Record<string, unknown>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
}
let n = 0;
/** Parameters of a fresh state document: its own activity, a learner, a stateId. */
function state(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    activityId: `http://example.com/courses/${randomUUID()}`,
    agent: { objectType: 'Agent', name: 'Ada Learner', mbox: `mailto:ada${n}@example.com` },
    stateId: 'bookmark',
    ...overrides,
  };
}
const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');
const without = (params: Record<string, unknown>, ...names: string[]) => Object.fromEntries(Object.entries(params).filter(([k]) => !names.includes(k)));
const raw = (res: { body: unknown }) => res.body as Buffer;

describe.each(VERSIONS)('State resource, X-Experience-API-Version %s', (version) => {
  const api = () => xapi(lrs.app, version);

  it('stores a JSON state with PUT and returns it with its type, a quoted SHA-1 ETag and Last-Modified', async () => {
    const p = state();
    const doc = { location: 'slide-12', score: 40, nested: { a: [1, 2] } };
    await api().put(`${STATE}?${qs(p)}`).send(doc).expect(204);
    const got = await api().get(`${STATE}?${qs(p)}`).expect(200);
    expect(got.body).toEqual(doc);
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(got.headers.etag).toBe(`"${sha1(got.text)}"`);
    expect(got.headers.etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(Date.parse(got.headers['last-modified'] as string)).not.toBeNaN();
    expect(got.headers['x-experience-api-version']).toBe(version === '2.0.0' ? '2.0.0' : '1.0.3');
  });

  it('answers HEAD with the document headers and no body', async () => {
    const p = state();
    await api().put(`${STATE}?${qs(p)}`).set('Content-Type', 'text/plain').send('resume here').expect(204);
    const head = await api().head(`${STATE}?${qs(p)}`).expect(200);
    expect(head.headers.etag).toBe(`"${sha1('resume here')}"`);
    expect(head.headers['content-type']).toMatch(/^text\/plain/);
    expect(head.text ?? '').toBe('');
    await api().head(`${STATE}?${qs(state())}`).expect(404);
  });

  it('round-trips binary content byte for byte with the content type it was stored with', async () => {
    const p = state({ stateId: 'thumbnail' });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64 * 1024)]);
    await api().put(`${STATE}?${qs(p)}`).set('Content-Type', 'image/png').send(png).expect(204);
    const got = await api().get(`${STATE}?${qs(p)}`).responseType('blob').expect(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(raw(got), png)).toBe(0);
    expect(got.headers.etag).toBe(`"${sha1(png)}"`);
  });

  it('answers 404 for a state that was never stored, and an empty list for an empty context', async () => {
    const p = state();
    const res = await api().get(`${STATE}?${qs(p)}`).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    const list = await api().get(`${STATE}?${qs(without(p, 'stateId'))}`).expect(200);
    expect(list.body).toEqual([]);
  });

  it('creates a state with POST when none exists', async () => {
    const p = state();
    await api().post(`${STATE}?${qs(p)}`).send({ x: 'foo', y: 'bar' }).expect(204);
    expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ x: 'foo', y: 'bar' });
  });

  it('merges a POSTed JSON object into the stored one, top-level keys only', async () => {
    const p = state();
    await api().post(`${STATE}?${qs(p)}`).send({ x: 'foo', y: 'bar', car: { make: 'Ford', model: 'Escape' } }).expect(204);
    await api().post(`${STATE}?${qs(p)}`).send({ x: 'bash', z: 'faz', car: { make: 'Dodge' } }).expect(204);
    const got = await api().get(`${STATE}?${qs(p)}`).expect(200);
    // Communication §2.2.s7: the example of the specification, and a nested object replaced whole.
    expect(got.body).toEqual({ x: 'bash', y: 'bar', z: 'faz', car: { make: 'Dodge' } });
    expect(got.headers.etag).toBe(`"${sha1(got.text)}"`);
  });

  it('refuses to merge into a stored document that is not JSON, leaving it unchanged', async () => {
    const p = state();
    await api().put(`${STATE}?${qs(p)}`).set('Content-Type', 'text/plain').send('plain bookmark').expect(204);
    const res = await api().post(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(400);
    expect(res.body.error.message).toMatch(/JSON/);
    const got = await api().get(`${STATE}?${qs(p)}`).expect(200);
    expect(got.text).toBe('plain bookmark');
  });

  it('refuses to merge a posted document that is not JSON into a JSON one, leaving it unchanged', async () => {
    const p = state();
    await api().post(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(204);
    await api().post(`${STATE}?${qs(p)}`).set('Content-Type', 'application/octet-stream').send(Buffer.from('abcdefg')).expect(400);
    await api().post(`${STATE}?${qs(p)}`).set('Content-Type', 'application/x-www-form-urlencoded').send('abc').expect(400);
    expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ a: 1 });
  });

  it('refuses a POST of JSON that is not an object, and JSON that does not parse, storing nothing', async () => {
    const p = state();
    const arr = await api().post(`${STATE}?${qs(p)}`).set('Content-Type', 'application/json').send('[1,2]').expect(400);
    expect(arr.body.error.message).toMatch(/JSON object/);
    await api().post(`${STATE}?${qs(p)}`).set('Content-Type', 'application/json').send('{"a":1}[').expect(400);
    const put = await api().put(`${STATE}?${qs(p)}`).set('Content-Type', 'application/json').send('{"a":').expect(400);
    expect(put.body.error.message).toMatch(/not valid JSON/);
    await api().get(`${STATE}?${qs(p)}`).expect(404);
  });

  it('stores any JSON value with PUT, a bookmark string included', async () => {
    const p = state();
    await api().put(`${STATE}?${qs(p)}`).set('Content-Type', 'application/json').send('"slide-7"').expect(204);
    const got = await api().get(`${STATE}?${qs(p)}`).expect(200);
    expect(got.body).toBe('slide-7');
  });

  it('keeps a state with a registration apart from the one without, and lists ids per registration', async () => {
    const p = state();
    const registration = randomUUID();
    await api().put(`${STATE}?${qs(p)}`).send({ attempt: 'none' }).expect(204);
    await api().put(`${STATE}?${qs({ ...p, registration })}`).send({ attempt: 'registered' }).expect(204);
    await api().put(`${STATE}?${qs({ ...p, registration, stateId: 'suspend_data' })}`).send({ d: 1 }).expect(204);
    expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ attempt: 'none' });
    // Registrations are UUIDs: the upper-case form names the same registration.
    expect((await api().get(`${STATE}?${qs({ ...p, registration: registration.toUpperCase() })}`).expect(200)).body).toEqual({ attempt: 'registered' });
    const ids = await api().get(`${STATE}?${qs(without({ ...p, registration }, 'stateId'))}`).expect(200);
    expect([...ids.body].sort()).toEqual(['bookmark', 'suspend_data']);
    const all = await api().get(`${STATE}?${qs(without(p, 'stateId'))}`).expect(200);
    expect([...all.body].sort()).toEqual(['bookmark', 'suspend_data']);
    expect(Date.parse(all.headers['last-modified'] as string)).not.toBeNaN();
    expect(all.headers.etag).toMatch(/^"[0-9a-f]{40}"$/);
  });

  it('lists only the ids stored after since (exclusive)', async () => {
    const p = state({ stateId: 'first' });
    await api().put(`${STATE}?${qs(p)}`).send({ n: 1 }).expect(204);
    const first = await api().get(`${STATE}?${qs(p)}`).expect(200);
    const firstStored = new Date(Date.parse(first.headers['last-modified'] as string));
    await new Promise((r) => setTimeout(r, 15));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 15));
    await api().put(`${STATE}?${qs({ ...p, stateId: 'second' })}`).send({ n: 2 }).expect(204);
    const context = without(p, 'stateId');
    expect((await api().get(`${STATE}?${qs({ ...context, since: between })}`).expect(200)).body).toEqual(['second']);
    expect((await api().get(`${STATE}?${qs({ ...context, since: new Date(Date.now() - 60_000).toISOString() })}`).expect(200)).body).toEqual(['first', 'second']);
    expect((await api().get(`${STATE}?${qs({ ...context, since: new Date(Date.now() + 60_000).toISOString() })}`).expect(200)).body).toEqual([]);
    expect(firstStored.getTime()).toBeLessThanOrEqual(Date.parse(between));
    // With a stateId, since does not hide the document (ADL conformance XAPI-00221, 1.0.3 form).
    expect((await api().get(`${STATE}?${qs({ ...p, since: between })}`).expect(200)).body).toEqual({ n: 1 });
  });

  it('deletes one state, answers 204 for one that is not there, and deletes a whole context', async () => {
    const p = state();
    const registration = randomUUID();
    await api().put(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(204);
    await api().delete(`${STATE}?${qs(p)}`).expect(204);
    await api().get(`${STATE}?${qs(p)}`).expect(404);
    await api().delete(`${STATE}?${qs(p)}`).expect(204);

    await api().put(`${STATE}?${qs({ ...p, stateId: 'a' })}`).send({ a: 1 }).expect(204);
    await api().put(`${STATE}?${qs({ ...p, stateId: 'b', registration })}`).send({ b: 1 }).expect(204);
    const otherActivity = state({ agent: p.agent });
    await api().put(`${STATE}?${qs(otherActivity)}`).send({ keep: true }).expect(204);
    // With a registration, only that registration's states go.
    await api().delete(`${STATE}?${qs(without({ ...p, registration }, 'stateId'))}`).expect(204);
    expect((await api().get(`${STATE}?${qs(without(p, 'stateId'))}`).expect(200)).body).toEqual(['a']);
    await api().delete(`${STATE}?${qs(without(p, 'stateId'))}`).expect(204);
    expect((await api().get(`${STATE}?${qs(without(p, 'stateId'))}`).expect(200)).body).toEqual([]);
    expect((await api().get(`${STATE}?${qs(otherActivity)}`).expect(200)).body).toEqual({ keep: true });
  });

  it('identifies the agent by its IFI: another name or a differently cased mail domain is the same learner', async () => {
    const p = state({ agent: { mbox: 'mailto:Grace@Example.COM', name: 'Grace' } });
    await api().put(`${STATE}?${qs(p)}`).send({ who: 'grace' }).expect(204);
    const same = { ...p, agent: { objectType: 'Agent', mbox: 'mailto:Grace@example.com', name: 'G. Hopper' } };
    expect((await api().get(`${STATE}?${qs(same)}`).expect(200)).body).toEqual({ who: 'grace' });
    const other = { ...p, agent: { mbox: 'mailto:grace@example.com' } };
    await api().get(`${STATE}?${qs(other)}`).expect(404);
    const account = state({ agent: { account: { homePage: 'https://lms.example.com', name: 'u-42' } } });
    await api().put(`${STATE}?${qs(account)}`).send({ who: 'u-42' }).expect(204);
    expect((await api().get(`${STATE}?${qs(account)}`).expect(200)).body).toEqual({ who: 'u-42' });
  });

  describe('parameter validation (400 naming the parameter)', () => {
    const cases: Array<[string, (p: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
      ['missing activityId', (p) => without(p, 'activityId'), /activityId: is required/],
      ['an activityId that is not an IRI', (p) => ({ ...p, activityId: 'not an iri' }), /activityId: must be an IRI/],
      ['an activityId without a scheme', (p) => ({ ...p, activityId: 'example.com/course' }), /activityId: must be an IRI/],
      ['missing agent', (p) => without(p, 'agent'), /agent: is required/],
      ['an agent that is not JSON', (p) => ({ ...p, agent: 'not JSON' }), /agent: .*not valid JSON/],
      ['an agent that is JSON but not an object', (p) => ({ ...p, agent: 'true' }), /agent: must be a JSON Agent object/],
      ['an agent without an IFI', (p) => ({ ...p, agent: { name: 'nobody' } }), /agent/],
      ['an agent with a malformed mbox', (p) => ({ ...p, agent: { mbox: 'ada@example.com' } }), /agent\.mbox/],
      ['a Group as agent', (p) => ({ ...p, agent: { objectType: 'Group', mbox: 'mailto:team@example.com' } }), /agent: must be an Agent, not a Group/],
      ['a registration that is not a UUID', (p) => ({ ...p, registration: 'not-a-uuid' }), /registration: must be a UUID/],
      ['an unknown parameter', (p) => ({ ...p, profileId: 'x' }), /profileId: is not a parameter/],
      ['an empty stateId', (p) => ({ ...p, stateId: '' }), /stateId: must not be empty/],
    ];
    it.each(cases)('rejects %s on GET, PUT, POST and DELETE', async (_name, mutate, message) => {
      const params = qs(mutate(state()));
      for (const res of [
        await api().get(`${STATE}?${params}`),
        await api().put(`${STATE}?${params}`).send({ a: 1 }),
        await api().post(`${STATE}?${params}`).send({ a: 1 }),
        await api().delete(`${STATE}?${params}`),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('INVALID_PARAMETER');
        expect(res.body.error.message).toMatch(message);
      }
    });

    it('requires stateId on PUT and POST, and names every problem at once', async () => {
      const p = without(state(), 'stateId');
      const put = await api().put(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(400);
      expect(put.body.error.message).toMatch(/stateId: is required for PUT/);
      await api().post(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(400);
      const many = await api().get(`${STATE}?${qs({ agent: 'nope', registration: 'x', since: 'yesterday', limit: 3 })}`).expect(400);
      const paths = (many.body.error.details.problems as Array<{ path: string }>).map((x) => x.path).sort();
      expect(paths).toEqual(['activityId', 'agent', 'limit', 'registration', 'since']);
    });

    it('rejects a since that is not a timestamp, and since on anything but GET', async () => {
      const p = without(state(), 'stateId');
      const res = await api().get(`${STATE}?${qs({ ...p, since: 'not a timestamp' })}`).expect(400);
      expect(res.body.error.message).toMatch(/since: must be an ISO 8601 timestamp/);
      const del = await api().delete(`${STATE}?${qs({ ...p, since: new Date().toISOString() })}`).expect(400);
      expect(del.body.error.message).toMatch(/since: is not a parameter of DELETE/);
    });

    it('rejects a parameter given twice', async () => {
      const p = state();
      const res = await api().get(`${STATE}?${qs(p)}&stateId=other`).expect(400);
      expect(res.body.error.message).toMatch(/stateId: must be given once/);
    });
  });

  describe('concurrency headers (Communication §3.1)', () => {
    it('replaces with PUT when If-Match carries the current ETag, and answers 412 leaving it unchanged when it does not', async () => {
      const p = state();
      await api().put(`${STATE}?${qs(p)}`).send({ v: 1 }).expect(204);
      const etag = (await api().get(`${STATE}?${qs(p)}`).expect(200)).headers.etag as string;
      const stale = await api().put(`${STATE}?${qs(p)}`).set('If-Match', `"${'1'.repeat(40)}"`).send({ v: 'stale' }).expect(412);
      expect(stale.body.error.code).toBe('PRECONDITION_FAILED');
      expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ v: 1 });
      const put = await api().put(`${STATE}?${qs(p)}`).set('If-Match', etag).send({ v: 2 }).expect(204);
      // The new version's tag comes back with the write, so a client can chain If-Match.
      expect(put.headers.etag).toBe(`"${sha1(JSON.stringify({ v: 2 }))}"`);
      expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ v: 2 });
      await api().put(`${STATE}?${qs(p)}`).set('If-Match', etag).send({ v: 3 }).expect(412);
      await api().put(`${STATE}?${qs(p)}`).set('If-Match', '*').send({ v: 4 }).expect(204);
    });

    it('creates with If-None-Match: * only when nothing is stored, and If-Match fails when nothing is stored', async () => {
      const p = state();
      await api().put(`${STATE}?${qs(p)}`).set('If-Match', '*').send({ v: 0 }).expect(412);
      await api().put(`${STATE}?${qs(p)}`).set('If-None-Match', '*').send({ v: 1 }).expect(204);
      await api().put(`${STATE}?${qs(p)}`).set('If-None-Match', '*').send({ v: 2 }).expect(412);
      await api().post(`${STATE}?${qs(p)}`).set('If-None-Match', '*').send({ w: 2 }).expect(412);
      expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ v: 1 });
    });

    it('honours If-Match on POST and DELETE', async () => {
      const p = state();
      await api().post(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(204);
      const etag = (await api().get(`${STATE}?${qs(p)}`).expect(200)).headers.etag as string;
      await api().post(`${STATE}?${qs(p)}`).set('If-Match', '"1234"').send({ b: 2 }).expect(412);
      await api().delete(`${STATE}?${qs(p)}`).set('If-Match', '"1234"').expect(412);
      expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ a: 1 });
      const merged = await api().post(`${STATE}?${qs(p)}`).set('If-Match', etag).send({ b: 2 }).expect(204);
      await api().delete(`${STATE}?${qs(p)}`).set('If-Match', etag).expect(412);
      await api().delete(`${STATE}?${qs(p)}`).set('If-Match', merged.headers.etag as string).expect(204);
      await api().get(`${STATE}?${qs(p)}`).expect(404);
      await api().delete(`${STATE}?${qs(p)}`).set('If-Match', merged.headers.etag as string).expect(412);
    });

    it('accepts an ETag sent without quotes or marked weak, as 1.0.x clients and proxies send them', async () => {
      const p = state();
      await api().put(`${STATE}?${qs(p)}`).send({ v: 1 }).expect(204);
      const hex = ((await api().get(`${STATE}?${qs(p)}`).expect(200)).headers.etag as string).slice(1, -1);
      const second = await api().put(`${STATE}?${qs(p)}`).set('If-Match', hex.toUpperCase()).send({ v: 2 }).expect(204);
      await api().put(`${STATE}?${qs(p)}`).set('If-Match', `"nope", W/${second.headers.etag as string}`).send({ v: 3 }).expect(204);
      expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ v: 3 });
    });

    it('never loses one of many concurrent POST merges of different keys into one document', async () => {
      const p = state({ stateId: 'suspend_data' });
      await api().post(`${STATE}?${qs(p)}`).send({ start: true }).expect(204);
      const writers = 40;
      const results = await Promise.all(Array.from({ length: writers }, (_, i) => api().post(`${STATE}?${qs(p)}`).send({ [`q${i}`]: i })));
      expect(results.map((r) => r.status)).toEqual(Array(writers).fill(204));
      const got = await api().get(`${STATE}?${qs(p)}`).expect(200);
      expect(Object.keys(got.body).sort()).toEqual(['start', ...Array.from({ length: writers }, (_, i) => `q${i}`)].sort());
      for (let i = 0; i < writers; i++) expect(got.body[`q${i}`]).toBe(i);
    });

    it('lets exactly one of many concurrent creates with If-None-Match: * win', async () => {
      const p = state();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api().put(`${STATE}?${qs(p)}`).set('If-None-Match', '*').send({ writer: i })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(19);
      const winner = results.findIndex((r) => r.status === 204);
      expect((await api().get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ writer: winner });
    });

    it('lets exactly one of many concurrent PUTs carrying the same If-Match win', async () => {
      const p = state();
      await api().put(`${STATE}?${qs(p)}`).send({ v: 0 }).expect(204);
      const etag = (await api().get(`${STATE}?${qs(p)}`).expect(200)).headers.etag as string;
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api().put(`${STATE}?${qs(p)}`).set('If-Match', etag).send({ v: i + 1 })));
      expect(results.filter((r) => r.status === 204)).toHaveLength(1);
      expect(results.filter((r) => r.status === 412)).toHaveLength(19);
    });
  });
});

describe('PUT without concurrency headers to a stored state', () => {
  it('overwrites on 1.0.3, where the State resource permits it (Communication §3.1.s3)', async () => {
    const p = state();
    await xapi(lrs.app, '1.0.3').put(`${STATE}?${qs(p)}`).send({ v: 1 }).expect(204);
    await xapi(lrs.app, '1.0.3').put(`${STATE}?${qs(p)}`).send({ v: 2 }).expect(204);
    expect((await xapi(lrs.app, '1.0.3').get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ v: 2 });
  });

  it('is 409 on 2.0 with an explanation, leaving the document unchanged; creating one is still allowed', async () => {
    const p = state();
    await xapi(lrs.app, '2.0.0').put(`${STATE}?${qs(p)}`).send({ v: 1 }).expect(204);
    const res = await xapi(lrs.app, '2.0.0').put(`${STATE}?${qs(p)}`).send({ v: 2 }).expect(409);
    expect(res.body.error.code).toBe('DOCUMENT_CONFLICT');
    expect(res.body.error.message).toMatch(/If-Match/);
    expect(res.body.error.message).toContain(`"${sha1(JSON.stringify({ v: 1 }))}"`);
    expect((await xapi(lrs.app, '2.0.0').get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ v: 1 });
    // POST and DELETE without headers stay allowed in 2.0 (the ADL 2.0 suite relies on both).
    await xapi(lrs.app, '2.0.0').post(`${STATE}?${qs(p)}`).send({ w: 1 }).expect(204);
    await xapi(lrs.app, '2.0.0').delete(`${STATE}?${qs(p)}`).expect(204);
  });
});

describe('resume data of authoring tools', () => {
  it('saves and restores a Storyline-style bookmark and suspend data many times over 1.0.3', async () => {
    const api = xapi(lrs.app, '1.0.3');
    const registration = randomUUID();
    const p = state({ registration, stateId: 'resume' });
    for (let slide = 1; slide <= 30; slide++) {
      const resume = `${slide}|scene1_slide${slide}|${'x'.repeat(slide * 10)}`;
      await api.put(`${STATE}?${qs(p)}`).set('Content-Type', 'application/octet-stream').send(Buffer.from(resume)).expect(204);
      await api.put(`${STATE}?${qs({ ...p, stateId: 'bookmark' })}`).set('Content-Type', 'application/json').send(JSON.stringify(`slide-${slide}`)).expect(204);
      const got = await api.get(`${STATE}?${qs(p)}`).responseType('blob').expect(200);
      expect(raw(got).toString()).toBe(resume);
      expect((await api.get(`${STATE}?${qs({ ...p, stateId: 'bookmark' })}`).expect(200)).body).toBe(`slide-${slide}`);
    }
    expect([...(await api.get(`${STATE}?${qs(without(p, 'stateId'))}`).expect(200)).body].sort()).toEqual(['bookmark', 'resume']);
  });

  it('saves a Captivate/cmi5-style JSON suspend state over 2.0, chaining If-Match from each write', async () => {
    const api = xapi(lrs.app, '2.0.0');
    const p = state({ registration: randomUUID(), stateId: 'suspendData' });
    let etag: string | undefined;
    for (let page = 1; page <= 25; page++) {
      const doc = { page, answers: Array.from({ length: page }, (_, i) => i % 4), ts: new Date().toISOString() };
      const req = api.put(`${STATE}?${qs(p)}`).send(doc);
      const res = await (etag ? req.set('If-Match', etag) : req.set('If-None-Match', '*')).expect(204);
      etag = res.headers.etag as string;
      const got = await api.get(`${STATE}?${qs(p)}`).expect(200);
      expect(got.body).toEqual(doc);
      expect(got.headers.etag).toBe(etag);
    }
  });
});

describe('State resource access', () => {
  it('keeps each store\'s state documents apart', async () => {
    const other = await lrs.container.auth.createCredential({ store: 'acme', scopes: ['all'], name: 'acme-docs' });
    const otherApi = xapi(lrs.app, '2.0.0', basicAuth(other.key, other.secret));
    const p = state();
    await xapi(lrs.app).put(`${STATE}?${qs(p)}`).send({ store: 'default' }).expect(204);
    await otherApi.get(`${STATE}?${qs(p)}`).expect(404);
    expect((await otherApi.get(`${STATE}?${qs(without(p, 'stateId'))}`).expect(200)).body).toEqual([]);
    await otherApi.put(`${STATE}?${qs(p)}`).send({ store: 'acme' }).expect(204);
    await otherApi.delete(`${STATE}?${qs(without(p, 'stateId'))}`).expect(204);
    expect((await xapi(lrs.app).get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ store: 'default' });
  });

  it('needs the state scope to write, and state or all/read to read', async () => {
    const p = state();
    const profileOnly = await lrs.container.auth.createCredential({ store: 'default', scopes: ['profile'], name: 'profile-only' });
    const reader = await lrs.container.auth.createCredential({ store: 'default', scopes: ['all/read'], name: 'reader' });
    const stateScope = await lrs.container.auth.createCredential({ store: 'default', scopes: ['state'], name: 'state' });
    await xapi(lrs.app, '2.0.0', basicAuth(stateScope.key, stateScope.secret)).put(`${STATE}?${qs(p)}`).send({ a: 1 }).expect(204);
    const denied = await xapi(lrs.app, '2.0.0', basicAuth(profileOnly.key, profileOnly.secret)).get(`${STATE}?${qs(p)}`).expect(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    await xapi(lrs.app, '2.0.0', basicAuth(reader.key, reader.secret)).get(`${STATE}?${qs(p)}`).expect(200);
    await xapi(lrs.app, '2.0.0', basicAuth(reader.key, reader.secret)).post(`${STATE}?${qs(p)}`).send({ b: 1 }).expect(403);
    await xapi(lrs.app, '2.0.0', null).get(`${STATE}?${qs(p)}`).expect(401);
    expect((await xapi(lrs.app).get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ a: 1 });
  });

  it('answers 405 for methods the resource does not have, and needs the version header', async () => {
    const p = state();
    const res = await request(lrs.app).patch(`${STATE}?${qs(p)}`).set('X-Experience-API-Version', '2.0.0').set('Authorization', BASIC).send({ a: 1 }).expect(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const noVersion = await xapi(lrs.app).get(`${STATE}?${qs(p)}`).unset('X-Experience-API-Version').expect(400);
    expect(noVersion.headers['x-experience-api-version']).toBe('2.0.0');
  });

  it('answers 413 for a document larger than the configured limit', async () => {
    const small = await startTestLrs({ LRS_BODY_LIMIT_BYTES: '1024' });
    try {
      const res = await xapi(small.app).put(`${STATE}?${qs(state())}`).set('Content-Type', 'application/octet-stream').send(randomBytes(4096)).expect(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      await xapi(small.app).put(`${STATE}?${qs(state())}`).set('Content-Type', 'application/octet-stream').send(randomBytes(512)).expect(204);
    } finally {
      await small.close();
    }
  });
});

describe('State resource over HTTP conventions', () => {
  it('answers a conditional GET with 304 while the ETag still matches', async () => {
    const p = state();
    await xapi(lrs.app).put(`${STATE}?${qs(p)}`).send({ v: 1 }).expect(204);
    const etag = (await xapi(lrs.app).get(`${STATE}?${qs(p)}`).expect(200)).headers.etag as string;
    await xapi(lrs.app).get(`${STATE}?${qs(p)}`).set('If-None-Match', etag).expect(304);
    await xapi(lrs.app).put(`${STATE}?${qs(p)}`).set('If-Match', etag).send({ v: 2 }).expect(204);
    expect((await xapi(lrs.app).get(`${STATE}?${qs(p)}`).set('If-None-Match', etag).expect(200)).body).toEqual({ v: 2 });
  });

  it('stores and merges state sent with the 1.0.3 alternate request syntax', async () => {
    const p = state();
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const common = { 'X-Experience-API-Version': '1.0.3', Authorization: BASIC, activityId: p.activityId as string, agent: JSON.stringify(p.agent), stateId: p.stateId as string };
    await request(lrs.app).post(`${STATE}?method=PUT`).type('form').send(form({ ...common, 'Content-Type': 'application/json', content: '{"a":1}' })).expect(204);
    await request(lrs.app).post(`${STATE}?method=POST`).type('form').send(form({ ...common, 'Content-Type': 'application/json', content: '{"b":2}' })).expect(204);
    expect((await xapi(lrs.app, '1.0.3').get(`${STATE}?${qs(p)}`).expect(200)).body).toEqual({ a: 1, b: 2 });
    const got = await request(lrs.app).post(`${STATE}?method=GET`).type('form').send(form(common)).expect(200);
    expect(got.body).toEqual({ a: 1, b: 2 });
  });
});
