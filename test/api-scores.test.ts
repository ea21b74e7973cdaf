import { randomUUID } from 'node:crypto';
import { computeState, type EvidenceItem } from '../src/engine';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { statesRepository } from '../src/competency/states.repository';
import { startTestLrs, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc, sampleFramework } from './helpers/api-fixtures';

// Scores come from the scoring pipeline (its own tests drive statements through the worker);
// here evidence and states are seeded through the repositories, as the worker writes them.
let lrs: TestLrs;
const DAY = 86_400_000;
const fw = sampleFramework(`https://example.com/frameworks/scores-${randomUUID().slice(0, 8)}`);
const ada = `ada-${randomUUID().slice(0, 8)}`;
const bob = `bob-${randomUUID().slice(0, 8)}`;
const t0 = Date.now() - 40 * DAY;
const assessor = { source: 'instructor' as const, ifi: 'mbox:mailto:grace@example.com', name: 'Grace' };
const items: EvidenceItem[] = [0, 1, 2, 3, 4].map((k) => ({
  statementId: randomUUID(),
  learnerId: ada,
  competencyId: 'listening',
  sourceKind: k === 4 ? 'observation' : 'knowledge-check',
  value: 1,
  weight: 1,
  observedAt: t0 + k * DAY,
  storedAt: t0 + k * DAY,
  ruleId: k === 4 ? 'observations' : 'listening-quiz',
  frameworkVersion: fw.version,
  ...(k === 4 ? { assessor, indicatorId: 'open-questions' } : {}),
}));
const listening = fw.competencies.find((c) => c.id === 'listening')!;
const base = (learner: string) => `/api/learners/${learner}`;
const q = `framework=${enc(fw.id)}`;

beforeAll(async () => {
  lrs = await startTestLrs();
  await api(lrs.app).put(`/api/frameworks/${enc(fw.id)}`).send(fw).expect(201);
  await api(lrs.app).put(base(ada)).send({ identities: [{ mbox: `mailto:${ada}@example.com` }], role: 'agent', roleAssignedAt: new Date(t0 - 10 * DAY).toISOString() }).expect(201);
  await api(lrs.app).put(base(bob)).send({ identities: [{ mbox: `mailto:${bob}@example.com` }], role: 'agent' }).expect(201);
  const evidence = evidenceRepository(lrs.container.db);
  await evidence.upsert('default', 1, items.map((e) => ({ ...e, frameworkId: fw.id })));
  await statesRepository(lrs.container.db).put('default', 1, fw.id, 1, computeState({ competency: listening, learnerId: ada, evidence: items, now: t0 + 5 * DAY }), new Date());
});
afterAll(async () => { await lrs.close(); });

describe('GET /api/learners/:id/competencies', () => {
  it('lists score, interval, level, evidence by source kind and validation, projected to now, with roll-ups', async () => {
    const res = await api(lrs.app).get(`${base(ada)}/competencies?${q}`).expect(200);
    const expected = computeState({ competency: listening, learnerId: ada, evidence: items, now: Date.now() });
    const byId = Object.fromEntries(res.body.competencies.map((c: { competencyId: string }) => [c.competencyId, c]));
    expect(byId.listening).toMatchObject({
      frameworkId: fw.id, frameworkVersion: 1, mode: 'own-evidence', title: 'Active listening',
      level: expected.level, evidenceCount: 5, validated: true, validatedLevel: 'proficient',
      bySource: { 'knowledge-check': expect.objectContaining({ count: 4 }), observation: expect.objectContaining({ count: 1 }) },
      validatedAt: expect.any(String), validUntil: expect.any(String), reassessmentDueAt: expect.any(String),
      firstReachedAt: expect.objectContaining({ basic: expect.any(String) }),
    });
    expect(byId.listening.score).toBeCloseTo(expected.score, 6);
    expect(byId.listening.interval[0]).toBeCloseTo(expected.interval[0], 6);
    expect(Date.parse(byId.listening.reassessmentDueAt)).toBe(Date.parse(byId.listening.validUntil) - 30 * DAY);
    expect(byId.service).toMatchObject({ mode: 'all-children', validated: false, missing: ['complaints'] });
    const all = await api(lrs.app).get(`${base(ada)}/competencies`).expect(200);
    expect(all.body.competencies.map((c: { competencyId: string }) => c.competencyId)).toEqual(expect.arrayContaining(['listening', 'service']));
  });

  it('answers 404 for an unknown learner or framework and 400 for unknown parameters', async () => {
    await api(lrs.app).get(`${base('nobody')}/competencies`).expect(404);
    await api(lrs.app).get(`${base(ada)}/competencies?framework=${enc('https://example.com/none')}`).expect(404);
    await api(lrs.app).get(`${base(ada)}/competencies?${q}&level=x`).expect(400);
  });
});

describe('GET /api/learners/:id/competencies/:competencyId', () => {
  it('explains the score: each statement, its contribution, assessor and rule, and time-to-competency for the role', async () => {
    const res = await api(lrs.app).get(`${base(ada)}/competencies/listening?${q}`).expect(200);
    expect(res.body.state).toMatchObject({ competencyId: 'listening', evidenceCount: 5, validated: true });
    expect(res.body.prior).toEqual({ alpha: 1, beta: 1 });
    expect(res.body.evidence).toHaveLength(5);
    const observation = res.body.evidence.find((e: { sourceKind: string }) => e.sourceKind === 'observation');
    expect(observation).toMatchObject({ statementId: items[4]!.statementId, status: 'counted', ruleId: 'observations', assessor, indicatorId: 'open-questions', contribution: { share: expect.any(Number), current: expect.objectContaining({ weight: expect.any(Number) }) } });
    const shares = res.body.evidence.reduce((s: number, e: { contribution: { share: number } }) => s + e.contribution.share, 0);
    expect(shares).toBeCloseTo(1, 9);
    expect(res.body.timeToCompetency).toMatchObject({ applicable: true, roleId: 'agent', targetLevel: 'proficient', startSource: 'role-assignment', censored: false, reachedAt: expect.any(String) });
    expect(res.body.timeToCompetency.durationDays).toBeGreaterThan(10);
  });

  it('shows retracted (voided) evidence as retracted, and no longer counts it', async () => {
    const evidence = evidenceRepository(lrs.container.db);
    const voided = items[0]!.statementId;
    await evidence.retract('default', 1, [voided], 'voided by a test', new Date());
    const res = await api(lrs.app).get(`${base(ada)}/competencies/listening?${q}`).expect(200);
    expect(res.body.state.evidenceCount).toBe(4);
    expect(res.body.evidence.find((e: { statementId: string }) => e.statementId === voided)).toMatchObject({ status: 'retracted', retractedBy: 'voided by a test', retractedAt: expect.any(String) });
    expect(res.body.evidence.filter((e: { status: string }) => e.status === 'counted')).toHaveLength(4);
  });

  it('explains a roll-up parent by its children, and says when there is no time-to-competency', async () => {
    const res = await api(lrs.app).get(`${base(ada)}/competencies/service?${q}`).expect(200);
    expect(res.body.state).toMatchObject({ mode: 'all-children', children: expect.arrayContaining([expect.objectContaining({ competencyId: 'listening', validated: true })]) });
    expect(res.body.evidence).toEqual([]);
    const complaints = await api(lrs.app).get(`${base(bob)}/competencies/complaints?${q}`).expect(200);
    expect(complaints.body.timeToCompetency).toEqual({ applicable: false, reason: 'role "agent" does not require "complaints"' });
    expect(complaints.body.state).toMatchObject({ evidenceCount: 0, validated: false });
  });

  it('needs the framework parameter and a competency of it', async () => {
    const missing = await api(lrs.app).get(`${base(ada)}/competencies/listening`).expect(400);
    expect(missing.body.error.details.problems).toEqual([{ path: 'framework', message: 'is required' }]);
    await api(lrs.app).get(`${base(ada)}/competencies/juggling?${q}`).expect(404);
  });
});

describe('may-start and may-skip', () => {
  it('lets a learner start content whose prerequisites are validated, and says why not otherwise', async () => {
    const yes = await api(lrs.app).get(`${base(ada)}/may-start?${q}&competency=complaints`).expect(200);
    expect(yes.body).toMatchObject({ allowed: true, reasons: [], met: ['listening'], learnerId: ada, competencyId: 'complaints' });
    const no = await api(lrs.app).get(`${base(bob)}/may-start?${q}&competency=complaints`).expect(200);
    expect(no.body).toMatchObject({ allowed: false, reasons: [expect.objectContaining({ code: 'PREREQUISITE_NOT_VALIDATED', competencyId: 'listening' })] });
  });

  it('lets a learner skip content of a competency validated at the level asked', async () => {
    expect((await api(lrs.app).get(`${base(ada)}/may-skip?${q}&competency=listening&level=basic`).expect(200)).body.allowed).toBe(true);
    const expert = await api(lrs.app).get(`${base(ada)}/may-skip?${q}&competency=listening&level=expert`).expect(200);
    expect(expert.body).toMatchObject({ allowed: false, reasons: [expect.objectContaining({ code: 'BELOW_LEVEL' })] });
    const bobs = await api(lrs.app).get(`${base(bob)}/may-skip?${q}&competency=listening`).expect(200);
    expect(bobs.body).toMatchObject({ allowed: false, reasons: [expect.objectContaining({ code: 'NOT_VALIDATED' })] });
  });

  it('answers 400 for missing, unknown or nonsensical parameters and 404 for unknown things', async () => {
    const res = await api(lrs.app).get(`${base(ada)}/may-skip?competency=listening&level=wizard&colour=red`).expect(400);
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([{ path: 'framework', message: 'is required' }, expect.objectContaining({ path: 'colour' })]));
    const level = await api(lrs.app).get(`${base(ada)}/may-skip?${q}&competency=listening&level=wizard`).expect(400);
    expect(level.body.error.message).toContain('basic, proficient, expert');
    await api(lrs.app).get(`${base(ada)}/may-start?${q}&competency=juggling`).expect(404);
    await api(lrs.app).get(`${base('nobody')}/may-start?${q}&competency=listening`).expect(404);
  });
});

describe('score scopes and stores', () => {
  it('reads with competency/read, refuses credentials without it, and never across stores', async () => {
    await api(lrs.app, await credential(lrs, ['competency/read'])).get(`${base(ada)}/competencies?${q}`).expect(200);
    await api(lrs.app, await credential(lrs, ['statements/read'])).get(`${base(ada)}/competencies?${q}`).expect(403);
    const other = await credential(lrs, ['all'], 'scores-other');
    await api(lrs.app, other).get(`${base(ada)}/competencies`).expect(404);
    await api(lrs.app, other).get(`${base(ada)}/may-start?${q}&competency=complaints`).expect(404);
  });
});
