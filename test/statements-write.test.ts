import { randomUUID } from 'node:crypto';
import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';
import { statementsRepository } from '../src/statements/statements.repository';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

describe('PUT /xapi/statements', () => {
  it('stores a statement under the given id and answers 204', async () => {
    const id = randomUUID();
    await xapi(lrs.app).put(`/xapi/statements?statementId=${id}`).send(statement()).expect(204);
    const got = await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200);
    expect(got.body.id).toBe(id);
    expect(got.body.verb.id).toBe('http://adlnet.gov/expapi/verbs/completed');
  });

  it('rejects a PUT without statementId', async () => {
    const res = await xapi(lrs.app).put('/xapi/statements').send(statement()).expect(400);
    expect(res.body.error.message).toMatch(/statementId/);
  });

  it('rejects a body id that differs from statementId', async () => {
    const res = await xapi(lrs.app).put(`/xapi/statements?statementId=${randomUUID()}`).send(statement({ id: randomUUID() })).expect(400);
    expect(res.body.error.message).toMatch(/does not match the statementId/);
  });

  it('accepts the same id with equivalent content again without change, and 409s different content', async () => {
    const id = randomUUID();
    const s = statement();
    await xapi(lrs.app).put(`/xapi/statements?statementId=${id}`).send(s).expect(204);
    const first = await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200);
    // Key order and a single context activity instead of an array are not differences.
    const reordered = { timestamp: s.timestamp, context: { ...(s.context as object), contextActivities: { grouping: { id: 'http://example.com/courses/safety' } } }, result: s.result, object: s.object, verb: s.verb, actor: s.actor };
    await xapi(lrs.app).put(`/xapi/statements?statementId=${id}`).send(reordered).expect(204);
    const again = await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200);
    expect(again.body.stored).toBe(first.body.stored);
    const res = await xapi(lrs.app).put(`/xapi/statements?statementId=${id}`).send({ ...s, result: { success: false } }).expect(409);
    expect(res.body.error.code).toBe('STATEMENT_CONFLICT');
    expect(res.body.error.message).toContain(id);
  });
});

describe('POST /xapi/statements', () => {
  it('stores a batch and returns the ids in order, generating missing ones', async () => {
    const given = randomUUID();
    const res = await xapi(lrs.app).post('/xapi/statements').send([statement(), statement({ id: given }), statement()]).expect(200);
    expect(res.body).toHaveLength(3);
    expect(res.body[1]).toBe(given);
    for (const id of res.body) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await xapi(lrs.app).get(`/xapi/statements?statementId=${res.body[2]}`).expect(200);
    expect(stored.body.id).toBe(res.body[2]);
  });

  it('stores a single statement object and returns an array of one id', async () => {
    const res = await xapi(lrs.app).post('/xapi/statements').send(statement()).expect(200);
    expect(res.body).toHaveLength(1);
  });

  it('rejects a batch when one statement is invalid, storing none, and names where', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const bad = statement({ id: ids[2], actor: { objectType: 'Agent', mbox: 'ada@example.com' } });
    const res = await xapi(lrs.app).post('/xapi/statements').send([statement({ id: ids[0] }), statement({ id: ids[1] }), bad]).expect(400);
    expect(res.body.error.message).toMatch(/statements\[2\]\.actor\.mbox/);
    for (const id of ids) await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(404);
  });

  it('rejects a batch holding the same id twice, storing none', async () => {
    const id = randomUUID();
    const other = randomUUID();
    const res = await xapi(lrs.app).post('/xapi/statements').send([statement({ id: other }), statement({ id }), statement({ id })]).expect(400);
    expect(res.body.error.message).toMatch(/statements\[2\]\.id/);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${other}`).expect(404);
  });

  it('rejects a batch with a conflicting id, storing none of it', async () => {
    const taken = randomUUID();
    await xapi(lrs.app).post('/xapi/statements').send(statement({ id: taken })).expect(200);
    const fresh = randomUUID();
    await xapi(lrs.app).post('/xapi/statements').send([statement({ id: fresh }), statement({ id: taken, verb: { id: 'http://adlnet.gov/expapi/verbs/failed' } })]).expect(409);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${fresh}`).expect(404);
  });

  it('stores the new statements of a batch whose other statement is already stored with equivalent content, leaving that one unchanged', async () => {
    const taken = randomUUID();
    const original = statement({ id: taken });
    await xapi(lrs.app).post('/xapi/statements').send(original).expect(200);
    const before = await xapi(lrs.app).get(`/xapi/statements?statementId=${taken}`).expect(200);
    const [a, b] = [randomUUID(), randomUUID()];
    const res = await xapi(lrs.app).post('/xapi/statements').send([statement({ id: a }), original, statement({ id: b })]).expect(200);
    expect(res.body).toEqual([a, taken, b]);
    for (const id of [a, b]) await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200);
    const after = await xapi(lrs.app).get(`/xapi/statements?statementId=${taken}`).expect(200);
    expect(after.body.stored).toBe(before.body.stored);
    // Stored once each: the first, optimistic insert of the batch stopped at `taken` and was undone.
    const rows = await lrs.container.db.collection('statements').countDocuments({ id: { $in: [a, taken, b] } });
    expect(rows).toBe(3);
  });

  it('keeps concurrent writers of the same id consistent: one content wins, the other gets 409', async () => {
    const id = randomUUID();
    const a = statement({ id, result: { success: true } });
    const b = statement({ id, result: { success: false } });
    const results = await Promise.all([xapi(lrs.app).post('/xapi/statements').send(a), xapi(lrs.app).post('/xapi/statements').send(b)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('sets stored, authority, version and a default timestamp', async () => {
    const s = statement();
    delete s.timestamp;
    const before = Date.now();
    const [id] = (await xapi(lrs.app).post('/xapi/statements').send(s).expect(200)).body;
    const got = (await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200)).body;
    expect(Date.parse(got.stored)).toBeGreaterThanOrEqual(before - 5);
    expect(got.timestamp).toBe(got.stored);
    expect(got.version).toBe('2.0.0');
    expect(got.authority.account).toEqual({ homePage: expect.any(String), name: 'test-key' });
  });

  it('converts a 2.0 timestamp with an offset to UTC, keeping milliseconds', async () => {
    const [id] = (await xapi(lrs.app).post('/xapi/statements').send(statement({ timestamp: '2026-11-20T12:30:00.123+02:00' })).expect(200)).body;
    const got = (await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200)).body;
    expect(got.timestamp).toBe('2026-11-20T10:30:00.123Z');
  });

  it('stores extension keys that MongoDB would refuse as field names, and returns them exactly', async () => {
    const ext = { 'http://example.com/ext/score.v2': { '$weird.key': 1, nested: ['a', { 'b.c': true }] } };
    const [id] = (await xapi(lrs.app).post('/xapi/statements').send(statement({ result: { extensions: ext } })).expect(200)).body;
    const got = (await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200)).body;
    expect(got.result.extensions).toEqual(ext);
  });

  it('rejects a body that is not JSON, and a non-JSON content type', async () => {
    const res = await xapi(lrs.app).post('/xapi/statements').set('Content-Type', 'application/json').send('{"actor":').expect(400);
    expect(res.body.error.message).toMatch(/not valid JSON/);
    const res2 = await xapi(lrs.app).post('/xapi/statements').set('Content-Type', 'text/plain').send('hello').expect(400);
    expect(res2.body.error.message).toMatch(/Content-Type/);
  });

  it('rejects an attachment without content or fileUrl in a JSON request', async () => {
    const s = statement({ attachments: [{ usageType: 'http://example.com/cert', display: { en: 'Certificate' }, contentType: 'application/pdf', length: 10, sha2: 'a'.repeat(64) }] });
    const res = await xapi(lrs.app).post('/xapi/statements').send(s).expect(400);
    expect(res.body.error.message).toMatch(/attachments\[0\]/);
  });
});

describe('voiding', () => {
  const voiding = (target: string, extra: Record<string, unknown> = {}) => statement({
    verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } },
    object: { objectType: 'StatementRef', id: target },
    result: undefined,
    ...extra,
  });

  it('hides a voided statement from queries and keeps it under voidedStatementId', async () => {
    const activity = `http://example.com/voiding/${randomUUID()}`;
    const [target] = (await xapi(lrs.app).post('/xapi/statements').send(statement({ object: { id: activity } })).expect(200)).body;
    const [voider] = (await xapi(lrs.app).post('/xapi/statements').send(voiding(target)).expect(200)).body;
    await xapi(lrs.app).get(`/xapi/statements?statementId=${target}`).expect(404);
    const got = await xapi(lrs.app).get(`/xapi/statements?voidedStatementId=${target}`).expect(200);
    expect(got.body.id).toBe(target);
    const list = await xapi(lrs.app).get(`/xapi/statements?activity=${encodeURIComponent(activity)}`).expect(200);
    // The voiding statement references the matching statement, so it is returned; the voided one is not.
    expect(list.body.statements.map((s: { id: string }) => s.id)).toEqual([voider]);
  });

  it('voids a statement that arrives after its voiding statement', async () => {
    const target = randomUUID();
    await xapi(lrs.app).post('/xapi/statements').send(voiding(target)).expect(200);
    await xapi(lrs.app).put(`/xapi/statements?statementId=${target}`).send(statement()).expect(204);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${target}`).expect(404);
    await xapi(lrs.app).get(`/xapi/statements?voidedStatementId=${target}`).expect(200);
  });

  it('does not void a voiding statement', async () => {
    const [target] = (await xapi(lrs.app).post('/xapi/statements').send(statement()).expect(200)).body;
    const [voider] = (await xapi(lrs.app).post('/xapi/statements').send(voiding(target)).expect(200)).body;
    await xapi(lrs.app).post('/xapi/statements').send(voiding(voider)).expect(200);
    const got = await xapi(lrs.app).get(`/xapi/statements?statementId=${voider}`).expect(200);
    expect(got.body.id).toBe(voider);
    await xapi(lrs.app).get(`/xapi/statements?voidedStatementId=${voider}`).expect(404);
  });

  it('finds a voiding statement stored before statement_refs existed (the refs are backfilled on start)', async () => {
    const target = randomUUID();
    await xapi(lrs.app).post('/xapi/statements').send(voiding(target)).expect(200);
    // As a database from before statement_refs: no refs, no marker.
    await lrs.container.db.collection('statement_refs').deleteMany({});
    expect(await statementsRepository(lrs.container.db).backfillRefs()).toBeGreaterThanOrEqual(1);
    expect(await statementsRepository(lrs.container.db).backfillRefs()).toBe(0);
    await xapi(lrs.app).put(`/xapi/statements?statementId=${target}`).send(statement()).expect(204);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${target}`).expect(404);
    await xapi(lrs.app).get(`/xapi/statements?voidedStatementId=${target}`).expect(200);
  });

  it('ignores a recorded reference whose voiding statement was never stored', async () => {
    const target = randomUUID();
    // What a voiding request that failed after recording its reference leaves behind.
    await statementsRepository(lrs.container.db).recordRefs('default', [{ id: randomUUID(), refId: target, voiding: true }]);
    await xapi(lrs.app).put(`/xapi/statements?statementId=${target}`).send(statement()).expect(204);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${target}`).expect(200);
  });

  it('voids within one batch', async () => {
    const target = randomUUID();
    await xapi(lrs.app).post('/xapi/statements').send([statement({ id: target }), voiding(target)]).expect(200);
    await xapi(lrs.app).get(`/xapi/statements?voidedStatementId=${target}`).expect(200);
  });
});
