import { randomUUID } from 'node:crypto';
import { computeState } from '../src/engine';
import { definitionsRepository } from '../src/competency/definitions.repository';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { evidenceCellsRepository } from '../src/competency/evidence-cells.repository';
import { learnersRepository } from '../src/competency/learners.repository';
import { statesRepository } from '../src/competency/states.repository';
import { startTestLrs, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc, sampleFramework } from './helpers/api-fixtures';

let lrs: TestLrs;
beforeAll(async () => { lrs = await startTestLrs(); });
afterAll(async () => { await lrs.close(); });

const uid = () => randomUUID().slice(0, 8);
const mbox = () => `mailto:${uid()}@example.com`;

describe('PUT /api/learners/:id', () => {
  it('creates a learner with several identities and attributes, then replaces it', async () => {
    const id = `ada-${uid()}`;
    const email = mbox();
    const account = { homePage: 'https://lms.example.com', name: uid() };
    const body = { name: 'Ada', identities: [{ mbox: email }, { objectType: 'Agent', account }], role: 'agent', team: 'north', manager: 'grace', cohort: '2024-q1', startDate: '2024-01-08', roleAssignedAt: '2024-01-15T09:00:00Z' };
    const created = await api(lrs.app).put(`/api/learners/${id}`).send(body).expect(201);
    expect(created.headers.location).toBe(`/api/learners/${id}`);
    expect(created.body).toMatchObject({
      learnerId: id, name: 'Ada', role: 'agent', team: 'north', manager: 'grace', cohort: '2024-q1', startDate: '2024-01-08', roleAssignedAt: '2024-01-15T09:00:00Z', implicit: false,
      identities: [{ objectType: 'Agent', mbox: email }, { objectType: 'Agent', account }],
    });
    const replaced = await api(lrs.app).put(`/api/learners/${id}`).send({ identities: [{ mbox: email }], team: 'south' }).expect(200);
    expect(replaced.body).toMatchObject({ learnerId: id, team: 'south', identities: [{ mbox: email }] });
    expect(replaced.body.role).toBeUndefined();
    expect((await api(lrs.app).get(`/api/learners/${id}`).expect(200)).body).toEqual(replaced.body);
  });

  it('answers 400 naming each problem of a bad learner, and saves nothing', async () => {
    const id = `bad-${uid()}`;
    const res = await api(lrs.app).put(`/api/learners/${id}`).send({
      learnerId: 'someone-else',
      identities: [{ mbox: 'ada@example.com' }, { objectType: 'Group', member: [] }, { mbox: 'mailto:x@example.com' }, { mbox: 'mailto:x@example.com' }],
      startDate: 'next tuesday',
      colour: 'blue',
    }).expect(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([
      { path: 'colour', message: 'is not a known property' },
      { path: 'startDate', message: expect.stringContaining('calendar date') },
      { path: 'learnerId', message: expect.stringContaining('must equal the id in the URL') },
      expect.objectContaining({ path: 'identities[0].mbox' }),
      { path: 'identities[1]', message: 'must be an Agent, not a Group' },
      { path: 'identities[3]', message: 'is the same agent as identities[2]' },
    ]));
    await api(lrs.app).get(`/api/learners/${id}`).expect(404);
  });

  it('refuses a learner without identity, and ids reserved for implicit learners', async () => {
    const none = await api(lrs.app).put(`/api/learners/x-${uid()}`).send({ identities: [] }).expect(400);
    expect(none.body.error.details.problems).toEqual([expect.objectContaining({ path: 'identities' })]);
    await api(lrs.app).put(`/api/learners/${enc('implicit:mbox:mailto:a@b.c')}`).send({ identities: [{ mbox: mbox() }] }).expect(400);
  });

  it('answers 409 when an identity already belongs to another learner', async () => {
    const email = mbox();
    await api(lrs.app).put(`/api/learners/first-${uid()}`).send({ identities: [{ mbox: email }] }).expect(201);
    const second = `second-${uid()}`;
    const res = await api(lrs.app).put(`/api/learners/${second}`).send({ identities: [{ mbox: mbox() }, { mbox: email }] }).expect(409);
    expect(res.body.error.code).toBe('IDENTITY_CONFLICT');
    expect(res.body.error.message).toContain(`mbox:${email}`);
    await api(lrs.app).get(`/api/learners/${second}`).expect(404);
  });

  it('moves the evidence of the implicit learner statements created to the learner who claims the identity', async () => {
    const store = 'default';
    const email = mbox();
    const identity = `mbox:${email}`;
    const fw = sampleFramework(`https://example.com/frameworks/relink-${uid()}`);
    const db = lrs.container.db;
    const [definitions, learners, evidence, states] = [definitionsRepository(db), learnersRepository(db), evidenceRepository(db), statesRepository(db)];
    await definitions.saveFramework(store, fw, new Date());
    const implicit = await learners.resolve(store, identity, new Date());
    expect(implicit.learnerId).toBe(`implicit:${identity}`);
    const competency = fw.competencies.find((c) => c.id === 'listening')!;
    const items = [0.9, 0.8].map((value, i) => ({
      statementId: randomUUID(), learnerId: implicit.learnerId, competencyId: 'listening', sourceKind: 'knowledge-check' as const,
      value, weight: 1, observedAt: Date.now() - (i + 1) * 60_000, storedAt: Date.now() - (i + 1) * 60_000, ruleId: 'quiz', frameworkVersion: fw.version,
    }));
    // As the scoring worker writes it: the evidence log and the live cell.
    await evidence.upsert(store, 1, items.map((e) => ({ ...e, frameworkId: fw.id })));
    await evidenceCellsRepository(db).add(store, 1, items.map((e) => ({ ...e, frameworkId: fw.id })));
    await states.put(store, 1, fw.id, 1, computeState({ competency, learnerId: implicit.learnerId, evidence: items, now: Date.now() }), new Date());

    const id = `claimant-${uid()}`;
    await api(lrs.app).put(`/api/learners/${id}`).send({ identities: [{ mbox: email }] }).expect(201);
    expect(await learners.findById(store, implicit.learnerId)).toBeNull();
    const res = await api(lrs.app).get(`/api/learners/${id}/competencies?framework=${enc(fw.id)}`).expect(200);
    const listening = res.body.competencies.find((c: { competencyId: string }) => c.competencyId === 'listening');
    expect(listening).toMatchObject({ evidenceCount: 2 });
    expect(listening.score).toBeGreaterThan(0.6);
    const trail = await api(lrs.app).get(`/api/learners/${id}/competencies/listening?framework=${enc(fw.id)}`).expect(200);
    expect(trail.body.evidence.map((e: { statementId: string }) => e.statementId).sort()).toEqual(items.map((e) => e.statementId).sort());
  });
});

describe('GET /api/learners', () => {
  it('filters by role, team, cohort and manager, and pages with a more link', async () => {
    const cohort = `c-${uid()}`;
    for (const [i, team] of ['red', 'red', 'red', 'blue'].entries()) {
      await api(lrs.app).put(`/api/learners/${cohort}-${i}`).send({ identities: [{ mbox: mbox() }], cohort, team, role: 'agent', manager: 'grace' }).expect(201);
    }
    const page1 = await api(lrs.app).get(`/api/learners?cohort=${cohort}&team=red&limit=2`).expect(200);
    expect(page1.body.learners.map((l: { learnerId: string }) => l.learnerId)).toEqual([`${cohort}-0`, `${cohort}-1`]);
    expect(page1.body.more).toBe(`/api/learners?team=red&cohort=${cohort}&limit=2&after=${cohort}-1`);
    const page2 = await api(lrs.app).get(page1.body.more).expect(200);
    expect(page2.body).toEqual({ learners: [expect.objectContaining({ learnerId: `${cohort}-2` })], more: null });
    const blue = await api(lrs.app).get(`/api/learners?cohort=${cohort}&team=blue&role=agent&manager=grace`).expect(200);
    expect(blue.body.learners.map((l: { learnerId: string }) => l.learnerId)).toEqual([`${cohort}-3`]);
  });

  it('answers 400 for unknown parameters and nonsensical values', async () => {
    const res = await api(lrs.app).get('/api/learners?department=x&limit=0&role=a&role=b').expect(400);
    expect(res.body.error.code).toBe('INVALID_PARAMETER');
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'department' }),
      { path: 'limit', message: 'must be between 1 and 1000' },
      { path: 'role', message: 'must be given once' },
    ]));
    await api(lrs.app).get('/api/learners?limit=ten').expect(400);
  });
});

describe('POST /api/learners/import (CSV)', () => {
  const csv = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

  it('imports every row, with several identity columns per row', async () => {
    const p = `csv-${uid()}`;
    const [a, b] = [mbox(), mbox()];
    const file = csv([
      'learnerId,name,mbox,account_homePage,account_name,openid,role,team,manager,cohort,startDate,roleAssignedAt',
      `${p}-1,Ada Lovelace,${a},https://lms.example.com,${p}-ada,,agent,north,grace,2024,2024-01-08,2024-01-15T09:00:00Z`,
      `${p}-2,"Hopper, Grace",${b},,,https://id.example.com/${p},lead,north,,2024,,`,
    ]);
    const res = await api(lrs.app).post('/api/learners/import').set('Content-Type', 'text/csv').send(file).expect(200);
    expect(res.body).toEqual({ imported: 2, created: 2, updated: 0 });
    const one = (await api(lrs.app).get(`/api/learners/${p}-1`).expect(200)).body;
    expect(one).toMatchObject({ name: 'Ada Lovelace', role: 'agent', startDate: '2024-01-08', identities: [{ mbox: a }, { account: { homePage: 'https://lms.example.com', name: `${p}-ada` } }] });
    const two = (await api(lrs.app).get(`/api/learners/${p}-2`).expect(200)).body;
    expect(two).toMatchObject({ name: 'Hopper, Grace', role: 'lead', identities: [{ mbox: b }, { openid: `https://id.example.com/${p}` }] });
    expect(two.manager).toBeUndefined();
    const again = await api(lrs.app).post('/api/learners/import').set('Content-Type', 'text/csv').send(file).expect(200);
    expect(again.body).toEqual({ imported: 2, created: 0, updated: 2 });
  });

  it('rejects the whole file with 400 listing row and column of each problem, saving no row', async () => {
    const p = `csvbad-${uid()}`;
    const dup = mbox();
    const file = csv([
      'learnerId,mbox,account_homePage,account_name,startDate',
      `${p}-1,${mbox()},,,2024-02-01`,
      `${p}-2,not-an-email,,,`,
      `${p}-3,${dup},https://lms.example.com,,2024-13-45`,
      `${p}-4,${dup},,,`,
      `${p}-1,${mbox()},,,`,
      `${p}-6,,,,`,
    ]);
    const res = await api(lrs.app).post('/api/learners/import').set('Content-Type', 'text/csv').send(file).expect(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    const problems = res.body.error.details.problems as Array<{ path: string; message: string }>;
    expect(problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'row 3, column mbox' }),
      expect.objectContaining({ path: 'row 4, column account_name' }),
      expect.objectContaining({ path: 'row 4, column startDate' }),
      { path: 'row 5, column mbox', message: 'is the same agent as row 4, column mbox' },
      { path: 'row 6, column learnerId', message: `"${p}-1" is also on row 2` },
      expect.objectContaining({ path: 'row 7, column mbox', message: expect.stringContaining('no identity') }),
    ]));
    expect(res.body.error.message).toMatch(/row 3, column mbox: /);
    await api(lrs.app).get(`/api/learners/${p}-1`).expect(404);
  });

  it('refuses unknown columns, a missing learnerId column, identities other learners hold, and non-CSV bodies', async () => {
    const header = await api(lrs.app).post('/api/learners/import').set('Content-Type', 'text/csv').send(csv(['id,mbox,shoeSize', `x,${mbox()},42`])).expect(400);
    expect(header.body.error.details.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'row 1, column id', message: expect.stringContaining('not a known column') }),
      expect.objectContaining({ path: 'row 1, column shoeSize' }),
      { path: 'row 1, column learnerId', message: 'is required' },
    ]));
    const taken = mbox();
    await api(lrs.app).put(`/api/learners/owner-${uid()}`).send({ identities: [{ mbox: taken }] }).expect(201);
    const p = `csvtaken-${uid()}`;
    const res = await api(lrs.app).post('/api/learners/import').set('Content-Type', 'text/csv').send(csv(['learnerId,mbox', `${p}-1,${mbox()}`, `${p}-2,${taken}`])).expect(400);
    expect(res.body.error.details.problems).toEqual([{ path: 'row 3, column mbox', message: expect.stringContaining('already belongs to learner') }]);
    await api(lrs.app).get(`/api/learners/${p}-1`).expect(404);
    await api(lrs.app).post('/api/learners/import').send({ learnerId: 'x' }).expect(400);
    const ragged = await api(lrs.app).post('/api/learners/import').set('Content-Type', 'text/csv').send(csv(['learnerId,mbox', 'a,b,c'])).expect(400);
    expect(ragged.body.error.message).toContain('not valid CSV');
  });
});

describe('learner scopes and stores', () => {
  it('needs competency/write to change learners and competency/read to read them', async () => {
    const id = `scoped-${uid()}`;
    const reader = await credential(lrs, ['competency/read']);
    const writer = await credential(lrs, ['competency/write']);
    await api(lrs.app, reader).put(`/api/learners/${id}`).send({ identities: [{ mbox: mbox() }] }).expect(403);
    await api(lrs.app, reader).post('/api/learners/import').set('Content-Type', 'text/csv').send(`learnerId,mbox\r\n${id},${mbox()}\r\n`).expect(403);
    await api(lrs.app, writer).put(`/api/learners/${id}`).send({ identities: [{ mbox: mbox() }] }).expect(201);
    await api(lrs.app, reader).get(`/api/learners/${id}`).expect(200);
    await api(lrs.app, await credential(lrs, ['statements/write'])).get(`/api/learners/${id}`).expect(403);
  });

  it('keeps each store\'s learners, and identities, to itself', async () => {
    const id = `iso-${uid()}`;
    const email = mbox();
    await api(lrs.app).put(`/api/learners/${id}`).send({ identities: [{ mbox: email }] }).expect(201);
    const other = await credential(lrs, ['all'], 'iso-store');
    await api(lrs.app, other).get(`/api/learners/${id}`).expect(404);
    expect((await api(lrs.app, other).get('/api/learners').expect(200)).body.learners).toEqual([]);
    // The same agent may be a learner in another store.
    await api(lrs.app, other).put(`/api/learners/${id}`).send({ identities: [{ mbox: email }] }).expect(201);
  });
});
