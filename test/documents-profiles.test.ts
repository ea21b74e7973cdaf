import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { basicAuth, startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const VERSIONS = ['1.0.3', '2.0.0'] as const;

function qs(params: Record<string, unknown>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
}
const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');
const without = (params: Record<string, unknown>, ...names: string[]) => Object.fromEntries(Object.entries(params).filter(([k]) => !names.includes(k)));

/** The two profile resources, described by what identifies their documents. */
const RESOURCES = [
  {
    name: 'Activity Profile',
    path: '/xapi/activities/profile',
    owner: () => ({ activityId: `http://example.com/activities/${randomUUID()}` }),
    ownerParam: 'activityId',
  },
  {
    name: 'Agent Profile',
    path: '/xapi/agents/profile',
    owner: () => ({ agent: { objectType: 'Agent', mbox: `mailto:${randomUUID()}@example.com` } }),
    ownerParam: 'agent',
  },
] as const;

describe.each(RESOURCES)('$name resource', (resource) => {
  const profile = (overrides: Record<string, unknown> = {}) => ({ ...resource.owner(), profileId: `profile-${randomUUID()}`, ...overrides });
  const url = (p: Record<string, unknown>) => `${resource.path}?${qs(p)}`;

  describe.each(VERSIONS)('X-Experience-API-Version %s', (version) => {
    const api = () => xapi(lrs.app, version);

    it('creates a profile with If-None-Match: * and returns it with its ETag and Last-Modified', async () => {
      const p = profile();
      const doc = { preferences: { language: 'fr-FR' }, theme: 'dark' };
      const put = await api().put(url(p)).set('If-None-Match', '*').send(doc).expect(204);
      const got = await api().get(url(p)).expect(200);
      expect(got.body).toEqual(doc);
      expect(got.headers.etag).toBe(`"${sha1(got.text)}"`);
      expect(put.headers.etag).toBe(got.headers.etag);
      expect(Date.parse(got.headers['last-modified'] as string)).not.toBeNaN();
      await api().head(url(p)).expect(200).expect('ETag', got.headers.etag as string);
    });

    it('creates with POST, merges JSON objects with POST, and refuses to merge non-JSON', async () => {
      const p = profile();
      await api().post(url(p)).send({ car: 'Honda' }).expect(204);
      await api().post(url(p)).send({ type: 'Civic' }).expect(204);
      expect((await api().get(url(p)).expect(200)).body).toEqual({ car: 'Honda', type: 'Civic' });
      await api().post(url(p)).set('Content-Type', 'application/octet-stream').send(Buffer.from('abcdefg')).expect(400);
      expect((await api().get(url(p)).expect(200)).body).toEqual({ car: 'Honda', type: 'Civic' });

      const binary = profile();
      await api().put(url(binary)).set('If-None-Match', '*').set('Content-Type', 'application/octet-stream').send(Buffer.from('/ asdf / undefined')).expect(204);
      await api().post(url(binary)).send({ a: 1 }).expect(400);
      const kept = await api().get(url(binary)).responseType('blob').expect(200);
      expect((kept.body as Buffer).toString()).toBe('/ asdf / undefined');
    });

    it('stores content of any type, binary included, and returns it unchanged', async () => {
      const p = profile();
      const bytes = randomBytes(20_000);
      await api().put(url(p)).set('If-None-Match', '*').set('Content-Type', 'image/png').send(bytes).expect(204);
      const got = await api().get(url(p)).responseType('blob').expect(200);
      expect(got.headers['content-type']).toBe('image/png');
      expect(Buffer.compare(got.body as Buffer, bytes)).toBe(0);
      expect(got.headers.etag).toBe(`"${sha1(bytes)}"`);
    });

    it('lists the profile ids of its owner, filtered by since, and 404s a missing profile', async () => {
      const p = profile();
      const owner = without(p, 'profileId');
      expect((await api().get(url(owner)).expect(200)).body).toEqual([]);
      await api().post(url(p)).send({ a: 1 }).expect(204);
      await new Promise((r) => setTimeout(r, 15));
      const between = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 15));
      await api().post(url({ ...p, profileId: 'later' })).send({ b: 1 }).expect(204);
      expect((await api().get(url(owner)).expect(200)).body).toEqual([p.profileId, 'later']);
      expect((await api().get(url({ ...owner, since: between })).expect(200)).body).toEqual(['later']);
      await api().get(url({ ...p, profileId: 'never-stored' })).expect(404);
    });

    it('deletes a profile, 204 also when it is not there, and needs a profileId to delete', async () => {
      const p = profile();
      await api().post(url(p)).send({ a: 1 }).expect(204);
      await api().delete(url(p)).expect(204);
      await api().get(url(p)).expect(404);
      await api().delete(url(p)).expect(204);
      const res = await api().delete(url(without(p, 'profileId'))).expect(400);
      expect(res.body.error.message).toMatch(/profileId: is required for DELETE/);
    });

    it('honours If-Match on PUT, POST and DELETE, answering 412 and changing nothing when it fails', async () => {
      const p = profile();
      await api().post(url(p)).send({ name: 'original' }).expect(204);
      const etag = (await api().get(url(p)).expect(200)).headers.etag as string;
      await api().put(url(p)).set('If-Match', '1234').send({ name: 'x' }).expect(412);
      await api().post(url(p)).set('If-Match', '1234').send({ name: 'x' }).expect(412);
      await api().delete(url(p)).set('If-Match', '1234').expect(412);
      expect((await api().get(url(p)).expect(200)).body).toEqual({ name: 'original' });
      await api().put(url(p)).set('If-Match', etag).send({ name: 'updated' }).expect(204);
      expect((await api().get(url(p)).expect(200)).body).toEqual({ name: 'updated' });
      await api().put(url(p)).set('If-None-Match', '*').send({ name: 'again' }).expect(412);
    });

    it('answers 409 with an explanation to a PUT without concurrency headers when the profile exists', async () => {
      const p = profile();
      await api().post(url(p)).send({ v: 1 }).expect(204);
      const res = await api().put(url(p)).send({ v: 2 }).expect(409);
      expect(res.body.error.code).toBe('DOCUMENT_CONFLICT');
      expect(res.body.error.message).toMatch(/check its current state.*If-Match/);
      expect((await api().get(url(p)).expect(200)).body).toEqual({ v: 1 });
    });

    it('keeps concurrent POST merges of different keys, all of them', async () => {
      const p = profile();
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => api().post(url(p)).send({ [`k${i}`]: `v${i}` })));
      expect(results.every((r) => r.status === 204)).toBe(true);
      expect(Object.keys((await api().get(url(p)).expect(200)).body)).toHaveLength(25);
    });

    it(`rejects a missing or malformed ${resource.ownerParam}, a missing profileId, and parameters of other resources`, async () => {
      const p = profile();
      const missingOwner = await api().get(url(without(p, resource.ownerParam))).expect(400);
      expect(missingOwner.body.error.message).toContain(`${resource.ownerParam}: is required`);
      const malformed = resource.ownerParam === 'agent' ? { ...p, agent: 'not Agent' } : { ...p, activityId: 'not an IRI' };
      await api().get(url(malformed)).expect(400);
      await api().post(url(without(p, 'profileId'))).send({ a: 1 }).expect(400);
      await api().put(url(without(p, 'profileId'))).set('If-None-Match', '*').send({ a: 1 }).expect(400);
      const foreign = resource.ownerParam === 'agent' ? { ...p, activityId: 'http://example.com/a' } : { ...p, agent: { mbox: 'mailto:a@example.com' } };
      const res = await api().post(url(foreign)).send({ a: 1 }).expect(400);
      expect(res.body.error.message).toMatch(/is not a parameter of POST/);
      await api().get(url({ ...p, stateId: 'x' })).expect(400);
      await api().get(url({ ...p, registration: randomUUID() })).expect(400);
      await api().get(url({ ...without(p, 'profileId'), since: 'true' })).expect(400);
    });
  });

  it('on 1.0.3, refuses a PUT without If-Match or If-None-Match even to a new profile (400; conformance XAPI-00273/00287)', async () => {
    const p = profile();
    const res = await xapi(lrs.app, '1.0.3').put(url(p)).send({ a: 1 }).expect(400);
    expect(res.body.error.message).toMatch(/If-Match.*If-None-Match/);
    await xapi(lrs.app, '1.0.3').get(url(p)).expect(404);
  });

  it('on 2.0, creates a new profile with a PUT without concurrency headers', async () => {
    const p = profile();
    await xapi(lrs.app, '2.0.0').put(url(p)).send({ a: 1 }).expect(204);
    expect((await xapi(lrs.app, '2.0.0').get(url(p)).expect(200)).body).toEqual({ a: 1 });
  });

  it('needs the profile scope, and keeps stores apart', async () => {
    const p = profile();
    const stateOnly = await lrs.container.auth.createCredential({ store: 'default', scopes: ['state'], name: `state-${resource.name}` });
    const profileScope = await lrs.container.auth.createCredential({ store: 'default', scopes: ['profile'], name: `profile-${resource.name}` });
    const other = await lrs.container.auth.createCredential({ store: 'elsewhere', scopes: ['all'], name: `other-${resource.name}` });
    await xapi(lrs.app, '2.0.0', basicAuth(stateOnly.key, stateOnly.secret)).post(url(p)).send({ a: 1 }).expect(403);
    await xapi(lrs.app, '2.0.0', basicAuth(profileScope.key, profileScope.secret)).post(url(p)).send({ a: 1 }).expect(204);
    const otherApi = xapi(lrs.app, '2.0.0', basicAuth(other.key, other.secret));
    await otherApi.get(url(p)).expect(404);
    expect((await otherApi.get(url(without(p, 'profileId'))).expect(200)).body).toEqual([]);
    await otherApi.delete(url(p)).expect(204);
    expect((await xapi(lrs.app).get(url(p)).expect(200)).body).toEqual({ a: 1 });
  });
});

describe('documents of different resources', () => {
  it('do not collide: a state, an activity profile and an agent profile with the same ids stay apart', async () => {
    const activityId = `http://example.com/activities/${randomUUID()}`;
    const agent = { mbox: `mailto:${randomUUID()}@example.com` };
    const api = xapi(lrs.app, '2.0.0');
    await api.put(`/xapi/activities/state?${qs({ activityId, agent, stateId: 'same' })}`).send({ from: 'state' }).expect(204);
    await api.put(`/xapi/activities/profile?${qs({ activityId, profileId: 'same' })}`).send({ from: 'activity profile' }).expect(204);
    await api.put(`/xapi/agents/profile?${qs({ agent, profileId: 'same' })}`).send({ from: 'agent profile' }).expect(204);
    expect((await api.get(`/xapi/activities/state?${qs({ activityId, agent, stateId: 'same' })}`).expect(200)).body).toEqual({ from: 'state' });
    expect((await api.get(`/xapi/activities/profile?${qs({ activityId, profileId: 'same' })}`).expect(200)).body).toEqual({ from: 'activity profile' });
    expect((await api.get(`/xapi/agents/profile?${qs({ agent, profileId: 'same' })}`).expect(200)).body).toEqual({ from: 'agent profile' });
    await api.delete(`/xapi/activities/state?${qs({ activityId, agent })}`).expect(204);
    expect((await api.get(`/xapi/activities/profile?${qs({ activityId })}`).expect(200)).body).toEqual(['same']);
  });

  it('refuses a Group as the agent of an agent profile', async () => {
    const res = await xapi(lrs.app).get(`/xapi/agents/profile?${qs({ agent: { objectType: 'Group', mbox: 'mailto:team@example.com' }, profileId: 'p' })}`).expect(400);
    expect(res.body.error.message).toMatch(/agent: must be an Agent, not a Group/);
  });
});
