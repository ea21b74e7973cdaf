import { randomUUID } from 'node:crypto';
import XAPI, { type Agent, type Statement, type StatementsResponse } from '@xapi/xapi';
import { KEY, SECRET, startTestLrs, type TestLrs } from './helpers/test-lrs';
import { listen, type Listening } from './helpers/listen';

/**
 * Interop: the published xAPI client library (@xapi/xapi v3) drives the LRS over a real TCP socket,
 * the way learning content does. Every assertion is on what the library hands back to its caller.
 *
 * The library's `Versions` type lists 1.0.0–1.0.3 only (its README claims compliance with
 * 1.0.0–1.0.3); it defaults to 1.0.3 and sends the configured version verbatim as
 * `X-Experience-API-Version`, so a 2.0.0 client is the same library given `version: '2.0.0'`.
 * It ships two transports: axios (the default) and fetch; both are exercised.
 */
type XAPIConfig = ConstructorParameters<typeof XAPI>[0];
type LibraryVersion = NonNullable<XAPIConfig['version']>;
type Adapter = NonNullable<XAPIConfig['adapter']>;

let lrs: TestLrs;
let http: Listening;
beforeAll(async () => {
  lrs = await startTestLrs();
  http = await listen(lrs.app);
});
afterAll(async () => {
  await http?.close();
  await lrs?.close();
});

function client(version: string, adapter: Adapter): XAPI {
  return new XAPI({
    endpoint: `${http.origin}/xapi/`,
    auth: XAPI.toBasicAuth(KEY, SECRET),
    // 2.0.0 is outside the library's declared union; it is passed through as the header value.
    version: version as LibraryVersion,
    adapter,
  });
}

/**
 * What a rejected library call tells its caller. axios rejects with the HTTP status and parsed body;
 * the fetch adapter rejects with `new Error(responseText)` and drops the status.
 */
async function failure(call: Promise<unknown>): Promise<{ status: number | undefined; code: string | undefined }> {
  try {
    await call;
  } catch (err) {
    const e = err as { response?: { status?: number; data?: { error?: { code?: string } } }; message?: string };
    if (e.response) return { status: e.response.status, code: e.response.data?.error?.code };
    let code: string | undefined;
    try { code = (JSON.parse(e.message ?? '') as { error?: { code?: string } }).error?.code; } catch { code = undefined; }
    return { status: undefined, code };
  }
  throw new Error('expected the library call to fail, but it succeeded');
}

const learner = (): Agent => ({ objectType: 'Agent', name: 'Ada Learner', mbox: `mailto:${randomUUID()}@example.com` });

/** A statement as cmi5-like content sends it (1.0.x shapes, which 2.0 also accepts). */
function completed(over: Partial<Statement> = {}): Statement {
  return {
    actor: learner(),
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: {
      objectType: 'Activity',
      id: `http://example.com/courses/safety/${randomUUID()}`,
      definition: { name: { 'en-US': 'Safety module' }, type: 'http://adlnet.gov/expapi/activities/module' },
    },
    result: { score: { scaled: 0.8, raw: 8, min: 0, max: 10 }, success: true, completion: true, duration: 'PT12M30S' },
    context: {
      registration: randomUUID(),
      contextActivities: { grouping: [{ id: 'http://example.com/courses/safety' }] },
      platform: 'interop-test',
      language: 'en-US',
    },
    timestamp: '2026-11-20T10:00:00.000Z',
    ...over,
  };
}

/** The parts of a statement the LRS must return as sent (it adds id, stored, authority, version). */
function sentParts(s: Statement): Partial<Statement> {
  const { actor, verb, object, result, context, timestamp } = s;
  return { actor, verb, object, result, context, timestamp };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ERROR_STATUS: Record<string, number> = { NOT_FOUND: 404, STATEMENT_CONFLICT: 409 };
const EXPECTED_RESPONSE_VERSION: Record<string, string> = { '2.0.0': '2.0.0', '1.0.3': '1.0.3' };

describe.each([
  ['2.0.0', 'axios'],
  ['2.0.0', 'fetch'],
  ['1.0.3', 'axios'],
  ['1.0.3', 'fetch'],
] as const)('@xapi/xapi speaking %s over %s', (version, adapter) => {
  let x: XAPI;
  beforeAll(() => { x = client(version, adapter); });
  const rejected = (code: string) => ({ status: adapter === 'axios' ? ERROR_STATUS[code] : undefined, code });

  it('getAbout lists both served versions and the response names the version the client asked for', async () => {
    const about = await x.getAbout();
    expect(about.status).toBe(200);
    expect(about.data.version).toEqual(expect.arrayContaining(['1.0.3', '2.0.0']));
    expect(about.headers['x-experience-api-version']).toBe(EXPECTED_RESPONSE_VERSION[version]);
  });

  it('sendStatement stores one statement and getStatement returns it under the id the LRS assigned', async () => {
    const sent = completed();
    const res = await x.sendStatement({ statement: sent });
    expect(res.status).toBe(200);
    expect(res.data).toHaveLength(1);
    const [id] = res.data as [string];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    const got = (await x.getStatement({ statementId: id })).data;
    expect(got).toMatchObject({ ...sentParts(sent), id });
    expect(typeof got.stored).toBe('string');
    expect(got.authority).toBeDefined();
    expect(got.version).toMatch(version === '2.0.0' ? /^2\.0\./ : /^1\.0\./);
  });

  it('sendStatement keeps an id the client chose', async () => {
    const id = randomUUID();
    const sent = completed({ id });
    expect((await x.sendStatement({ statement: sent })).data).toEqual([id]);
    expect((await x.getStatement({ statementId: id })).data).toMatchObject({ ...sentParts(sent), id });
  });

  it('sendStatements stores a batch and returns one id per statement, in order, keeping client-chosen ids', async () => {
    const chosen = randomUUID();
    const batch = [completed(), completed({ id: chosen }), completed()];
    const res = await x.sendStatements({ statements: batch });
    expect(res.status).toBe(200);
    const ids = res.data;
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe(chosen);
    expect(new Set(ids).size).toBe(3);
    for (const [i, id] of ids.entries()) {
      expect((await x.getStatement({ statementId: id })).data).toMatchObject({ ...sentParts(batch[i]!), id });
    }
  });

  it('getStatements filters by agent, verb, activity and registration', async () => {
    const agent = learner();
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const activity = `http://example.com/activities/${randomUUID()}`;
    const registration = randomUUID();
    const [byAgent, byVerb, byActivity, byRegistration] = (await x.sendStatements({
      statements: [
        completed({ actor: agent }),
        completed({ verb: { id: verb, display: { 'en-US': 'practised' } } }),
        completed({ object: { objectType: 'Activity', id: activity } }),
        completed({ context: { registration } }),
      ],
    })).data;

    const ids = (r: { data: StatementsResponse }) => r.data.statements.map((s) => s.id);
    // The agent filter takes the Agent object; the library JSON-encodes it into the query.
    expect(ids(await x.getStatements({ agent: { mbox: agent.mbox } }))).toEqual([byAgent]);
    expect(ids(await x.getStatements({ verb }))).toEqual([byVerb]);
    expect(ids(await x.getStatements({ activity }))).toEqual([byActivity]);
    expect(ids(await x.getStatements({ registration }))).toEqual([byRegistration]);
    // Filters combine with AND.
    expect(ids(await x.getStatements({ agent: { mbox: agent.mbox }, verb }))).toEqual([]);
  });

  it('getStatements widens the activity and agent filters with related_activities and related_agents', async () => {
    const parent = `http://example.com/parents/${randomUUID()}`;
    const instructor = learner();
    const [id] = (await x.sendStatement({
      statement: completed({ context: { instructor, contextActivities: { parent: [{ id: parent }] } } }),
    })).data as [string];
    const ids = (r: { data: StatementsResponse }) => r.data.statements.map((s) => s.id);
    expect(ids(await x.getStatements({ activity: parent }))).toEqual([]);
    expect(ids(await x.getStatements({ activity: parent, related_activities: true }))).toEqual([id]);
    expect(ids(await x.getStatements({ agent: { mbox: instructor.mbox } }))).toEqual([]);
    expect(ids(await x.getStatements({ agent: { mbox: instructor.mbox }, related_agents: true }))).toEqual([id]);
  });

  it('getStatement with format ids returns identifiers without names, displays or definitions', async () => {
    const sent = completed();
    const [id] = (await x.sendStatement({ statement: sent })).data as [string];
    const got = (await x.getStatement({ statementId: id, format: 'ids' })).data;
    expect(got.id).toBe(id);
    expect(got.actor).toEqual({ objectType: 'Agent', mbox: (sent.actor as Agent).mbox });
    expect(got.verb).toEqual({ id: sent.verb.id });
    expect(got.object).toEqual({ objectType: 'Activity', id: (sent.object as { id: string }).id });
  });

  it('attachments: true answers multipart/mixed that the library parses into the statement result', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const attachment = {
      usageType: 'http://id.tincanapi.com/attachment/certificate-of-completion',
      display: { 'en-US': 'Certificate' },
      contentType: 'application/pdf',
      length: 12345,
      sha2: 'a'.repeat(64),
      fileUrl: 'https://example.com/certificates/1.pdf',
    };
    const sent = completed({ verb: { id: verb }, attachments: [attachment] });
    const [id] = (await x.sendStatement({ statement: sent })).data as [string];

    const one = (await x.getStatement({ statementId: id, attachments: true })).data;
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ ...sentParts(sent), id, attachments: [attachment] });
    const many = (await x.getStatements({ verb, attachments: true })).data;
    expect(many).toHaveLength(1);
    expect(many[0].statements.map((s) => s.id)).toEqual([id]);
    expect(many[0].more).toBe('');
  });

  it('getStatements applies since (exclusive), until (inclusive) and ascending to the stored time', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(...(await x.sendStatement({ statement: completed({ verb: { id: verb } }) })).data);
      await sleep(5);
    }
    const stored = await Promise.all(ids.map(async (statementId) => (await x.getStatement({ statementId })).data.stored!));
    const idsOf = (r: { data: StatementsResponse }) => r.data.statements.map((s) => s.id);

    const after = await x.getStatements({ verb, since: stored[0]! });
    expect(idsOf(after)).toEqual([ids[2], ids[1]]);
    expect(after.data.more).toBe('');
    expect(idsOf(await x.getStatements({ verb, until: stored[1]! }))).toEqual([ids[1], ids[0]]);
    expect(idsOf(await x.getStatements({ verb, since: stored[0]!, until: stored[2]!, ascending: true }))).toEqual([ids[1], ids[2]]);
  });

  it('getStatements with limit pages, and getMoreStatements follows more until every statement was read exactly once', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const sent = (await x.sendStatements({ statements: Array.from({ length: 7 }, () => completed({ verb: { id: verb } })) })).data;

    const pages: string[][] = [];
    let page = (await x.getStatements({ verb, limit: 3 })).data;
    pages.push(page.statements.map((s) => s.id!));
    while (page.more) {
      expect(pages.length).toBeLessThan(10);
      const next = await x.getMoreStatements({ more: page.more });
      page = next.data as StatementsResponse;
      pages.push(page.statements.map((s) => s.id!));
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const read = pages.flat();
    expect(new Set(read).size).toBe(read.length);
    // One batch shares one stored time, so only the set is fixed, not the order within it.
    expect([...read].sort()).toEqual([...sent].sort());
  });

  it('getMoreStatements keeps the agent filter of the original query', async () => {
    const agent = learner();
    const mine = (await x.sendStatements({ statements: Array.from({ length: 4 }, () => completed({ actor: agent })) })).data;
    await x.sendStatements({ statements: [completed(), completed()] });

    const read: string[] = [];
    let page = (await x.getStatements({ agent: { mbox: agent.mbox }, limit: 2 })).data;
    read.push(...page.statements.map((s) => s.id!));
    while (page.more) {
      expect(read.length).toBeLessThan(20);
      page = (await x.getMoreStatements({ more: page.more })).data as StatementsResponse;
      read.push(...page.statements.map((s) => s.id!));
    }
    expect([...read].sort()).toEqual([...mine].sort());
  });

  it('voidStatement hides the target from getStatement and queries, getVoidedStatement returns it, and the voiding statement matches its filters', async () => {
    const verb = `http://example.com/verbs/${randomUUID()}`;
    const sent = completed({ verb: { id: verb } });
    const [target] = (await x.sendStatement({ statement: sent })).data as [string];
    const voidRes = await x.voidStatement({ actor: learner(), statementId: target });
    expect(voidRes.status).toBe(200);
    const [voiding] = voidRes.data as [string];

    expect(await failure(x.getStatement({ statementId: target }))).toEqual(rejected('NOT_FOUND'));
    const voided = (await x.getVoidedStatement({ voidedStatementId: target })).data;
    expect(voided).toMatchObject({ ...sentParts(sent), id: target });

    const voidingStatement = (await x.getStatement({ statementId: voiding })).data;
    expect(voidingStatement).toMatchObject({
      id: voiding,
      verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
      object: { objectType: 'StatementRef', id: target },
    });
    // A query matching the voided target returns the voiding statement (it targets the match via
    // StatementRef, 1.0.3 Communication §2.1.3) but never the voided statement itself.
    expect((await x.getStatements({ verb })).data.statements.map((s) => s.id)).toEqual([voiding]);
  });

  it('getVoidedStatement does not return a statement that was never voided', async () => {
    const [id] = (await x.sendStatement({ statement: completed() })).data as [string];
    expect(await failure(x.getVoidedStatement({ voidedStatementId: id }))).toEqual(rejected('NOT_FOUND'));
  });

  it('re-sending the same statement under the same id is accepted and changes nothing', async () => {
    const id = randomUUID();
    const sent = completed({ id });
    await x.sendStatement({ statement: sent });
    const before = (await x.getStatement({ statementId: id })).data;
    expect((await x.sendStatement({ statement: sent })).data).toEqual([id]);
    expect((await x.getStatement({ statementId: id })).data).toEqual(before);
  });

  it('re-sending an id with different content is rejected with 409 Conflict and the stored statement is kept', async () => {
    const id = randomUUID();
    const original = completed({ id });
    await x.sendStatement({ statement: original });
    const conflicting = { ...original, result: { ...original.result, success: false } };

    expect(await failure(x.sendStatement({ statement: conflicting }))).toEqual(rejected('STATEMENT_CONFLICT'));
    // In a batch the conflict refuses the whole batch: the other statement is not stored either.
    const other = randomUUID();
    expect(await failure(x.sendStatements({ statements: [completed({ id: other }), conflicting] }))).toEqual(rejected('STATEMENT_CONFLICT'));
    expect(await failure(x.getStatement({ statementId: other }))).toEqual(rejected('NOT_FOUND'));
    expect((await x.getStatement({ statementId: id })).data).toMatchObject({ ...sentParts(original), id });
  });
});

describe('@xapi/xapi with each 1.0.x version it declares', () => {
  it.each(['1.0.0', '1.0.1', '1.0.2', '1.0.3'] as const)('version %s: the LRS accepts the header, stores and returns statements', async (version) => {
    const x = client(version, 'axios');
    const sent = completed();
    const [id] = (await x.sendStatement({ statement: sent })).data as [string];
    const got = await x.getStatement({ statementId: id });
    expect(got.data).toMatchObject({ ...sentParts(sent), id });
    expect(got.headers['x-experience-api-version']).toBe('1.0.3');
  });

  it('a client left at the library default (1.0.3) is served in 1.0.3', async () => {
    const x = new XAPI({ endpoint: `${http.origin}/xapi`, auth: XAPI.toBasicAuth(KEY, SECRET) });
    const about = await x.getAbout();
    expect(about.headers['x-experience-api-version']).toBe('1.0.3');
    const [id] = (await x.sendStatement({ statement: completed() })).data as [string];
    expect((await x.getStatement({ statementId: id })).data.version).toMatch(/^1\.0\./);
  });
});

// Attachment content and signed statements through this library: test/interop-attachments.test.ts.
