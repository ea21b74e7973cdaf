import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import responsesSchema from '../schemas/analytics/responses.schema.json';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc } from './helpers/api-fixtures';
import { DAY, saveDefinitions, startWorker, voiding, waitScored } from './helpers/competency-fixtures';
import { COURSE, Oracle, QUIZ, SCENARIO, cohortFramework, cohortLearners, cohortRules, cohortStatements, km, LISTENING_TABLE, COMPLAINTS_TABLE, type CohortLearner, type Posted } from './helpers/analytics-cohort';
import type { CompetencyWorker } from '../src/competency/competency-worker';

// A known cohort goes through the real pipeline (statements → queue → worker → states); every
// figure is checked against the engine's own computation over the test's evidence list.
let lrs: TestLrs;
let worker: CompetencyWorker;
const NOW = Date.now();
const FW = cohortFramework(`https://example.com/frameworks/analytics-${randomUUID().slice(0, 8)}`);
const learners = cohortLearners(`l${randomUUID().slice(0, 6)}`, NOW);
const posted: Posted[] = cohortStatements(learners, NOW);
const voided = new Set<string>();
const oracle = new Oracle(FW, learners, posted, voided);
const q = `framework=${enc(FW.id)}`;
const get = (path: string) => api(lrs.app).get(`/api/analytics/${path}${path.includes('?') ? '&' : '?'}${q}`);
const csv = (text: string): Array<Record<string, string>> => parse(text, { columns: true, skip_empty_lines: false });
const learnerOf = (id: string) => learners.find((l) => l.learnerId === id) as CohortLearner;
const withRole = () => learners.filter((l) => l.role !== undefined);

async function postAll(list: Posted[]): Promise<void> {
  for (let i = 0; i < list.length; i += 50) await xapi(lrs.app).post('/xapi/statements').send(list.slice(i, i + 50).map((p) => p.statement)).expect(200);
  await waitScored(lrs);
}

beforeAll(async () => {
  lrs = await startTestLrs();
  await saveDefinitions(lrs, { framework: FW, rules: cohortRules() });
  for (const l of learners) {
    await api(lrs.app).put(`/api/learners/${l.learnerId}`).send({
      identities: [{ mbox: `mailto:${l.learnerId}@example.com` }], name: `Learner ${l.learnerId}`, team: l.team, manager: l.manager,
      ...(l.role ? { role: l.role } : {}), ...(l.cohort ? { cohort: l.cohort } : {}), ...(l.roleAssignedAt ? { roleAssignedAt: new Date(l.roleAssignedAt).toISOString() } : {}),
    }).expect(201);
  }
  worker = await startWorker(lrs);
  await postAll(posted);
}, 120_000);
afterAll(async () => {
  await worker.close();
  await lrs.close();
});

interface GapCell { group: string | null; competencyId: string; targetLevel: string | null; people: number; below: number; shareBelow: number | null; meanShortfallLevels: number | null; meanShortfallLevelsBelow: number | null; meanShortfallScore: number | null }

/** The gap heatmap the oracle expects at `at`. */
function expectedGaps(by: 'role' | 'team', at: number): GapCell[] {
  const acc = new Map<string, { group: string | null; competencyId: string; targets: Set<string>; people: number; below: number; levels: number; levelsBelow: number; score: number }>();
  for (const l of withRole()) {
    const group = by === 'role' ? (l.role as string) : l.team;
    for (const r of oracle.requirements(l)) {
      const key = `${group}|${r.competencyId}`;
      const a = acc.get(key) ?? { group, competencyId: r.competencyId, targets: new Set<string>(), people: 0, below: 0, levels: 0, levelsBelow: 0, score: 0 };
      acc.set(key, a);
      const target = oracle.levelIndex(r.competencyId, r.targetLevel);
      const held = oracle.levelIndex(r.competencyId, oracle.held(l.learnerId, r.competencyId, at));
      const short = Math.max(0, target - held);
      const threshold = FW.competencies.find((c) => c.id === r.competencyId)!.scale.levels[target]!.threshold;
      a.targets.add(r.targetLevel);
      a.people++;
      a.levels += short;
      // Scores are the latest (docs/analytics.md: not replayed to `to`); validity is judged at `to`.
      a.score += Math.max(0, threshold - (oracle.standing(l.learnerId, r.competencyId, NOW).score ?? 0));
      if (held < target) { a.below++; a.levelsBelow += short; }
    }
  }
  return [...acc.values()].map((a) => ({
    group: a.group, competencyId: a.competencyId, targetLevel: a.targets.size === 1 ? [...a.targets][0]! : null, people: a.people, below: a.below,
    shareBelow: a.below / a.people, meanShortfallLevels: a.levels / a.people, meanShortfallLevelsBelow: a.below === 0 ? null : a.levelsBelow / a.below, meanShortfallScore: a.score / a.people,
  }));
}

function sortCells<T extends { group: string | null; competencyId: string }>(cells: T[]): T[] {
  return [...cells].sort((a, b) => `${a.group}|${a.competencyId}`.localeCompare(`${b.group}|${b.competencyId}`));
}

function expectCellsClose(actual: GapCell[], expected: GapCell[]): void {
  const a = sortCells(actual.filter((c) => c.people > 0));
  const e = sortCells(expected);
  expect(a.map((c) => [c.group, c.competencyId, c.targetLevel, c.people, c.below])).toEqual(e.map((c) => [c.group, c.competencyId, c.targetLevel, c.people, c.below]));
  a.forEach((c, i) => {
    for (const k of ['shareBelow', 'meanShortfallLevels', 'meanShortfallScore'] as const) expect(c[k]).toBeCloseTo(e[i]![k] as number, 9);
    if (e[i]!.meanShortfallLevelsBelow === null) expect(c.meanShortfallLevelsBelow).toBeNull();
    else expect(c.meanShortfallLevelsBelow).toBeCloseTo(e[i]!.meanShortfallLevelsBelow, 9);
  });
}

describe('gap heatmap', () => {
  it('gives per role and required competency the share below target and mean shortfall, as the engine computes them', async () => {
    const res = await get('gaps?by=role').expect(200);
    expect(res.body).toMatchObject({ framework: { id: FW.id, version: 1, title: FW.title }, by: 'role', window: { from: null } });
    expectCellsClose(res.body.cells, expectedGaps('role', NOW));
    expect(res.body.groups).toEqual(expect.arrayContaining([{ group: 'agent', people: withRole().filter((l) => l.role === 'agent').length }]));
  });

  it('groups by team with each learner judged against their own role, in JSON and CSV alike', async () => {
    const res = await get('gaps?by=team').expect(200);
    expectCellsClose(res.body.cells, expectedGaps('team', NOW));
    const listening = res.body.cells.find((c: GapCell) => c.group === 'north' && c.competencyId === 'listening');
    expect(listening.targetLevel).toBe('proficient');
    const service = res.body.cells.find((c: GapCell) => c.group === 'north' && c.competencyId === 'service');
    expect(service.people).toBe(withRole().filter((l) => l.team === 'north' && l.role === 'lead').length);

    const text = await get('gaps?by=team&format=csv').expect(200).expect('Content-Type', /text\/csv/);
    const rows = csv(text.text);
    expect(Object.keys(rows[0]!)).toEqual(['group', 'competencyId', 'targetLevel', 'people', 'below', 'shareBelow', 'meanShortfallLevels', 'meanShortfallLevelsBelow', 'meanShortfallScore']);
    expect(rows).toHaveLength(res.body.cells.length);
    rows.forEach((r, i) => {
      const j = res.body.cells[i];
      expect([r.group, r.competencyId, r.targetLevel, Number(r.people), Number(r.below), Number(r.shareBelow)]).toEqual([j.group ?? '', j.competencyId, j.targetLevel ?? '', j.people, j.below, j.shareBelow]);
    });
  });

  it('lists the learners behind a cell', async () => {
    const res = await get('gaps/learners?by=role&group=agent&competency=listening').expect(200);
    const agents = withRole().filter((l) => l.role === 'agent');
    expect(res.body.learners.map((x: { learnerId: string }) => x.learnerId)).toEqual(agents.map((l) => l.learnerId).sort());
    for (const x of res.body.learners) {
      const held = oracle.held(x.learnerId, 'listening', NOW);
      expect({ heldLevel: x.heldLevel, below: x.below }).toEqual({ heldLevel: held, below: oracle.levelIndex('listening', held) < 1 });
    }
  });

  it('filters by cohort and manager', async () => {
    const res = await get('gaps?by=role&cohort=2026-01&manager=maria').expect(200);
    const people = withRole().filter((l) => l.cohort === '2026-01' && l.manager === 'maria');
    const cell = res.body.cells.find((c: GapCell) => c.group === 'lead' && c.competencyId === 'listening');
    expect(cell.people).toBe(people.filter((l) => l.role === 'lead').length);
    expect(res.body.filters).toEqual({ cohort: '2026-01', manager: 'maria' });
  });
});

describe('expiry and the time window', () => {
  it('does not count a validation whose validUntil is past, but counts it as of a `to` before it expired', async () => {
    // Pattern 4 validated listening 50 days ago for 30 days.
    const expiredLearner = learners[4]!;
    expect(oracle.held(expiredLearner.learnerId, 'listening', NOW)).toBeNull();
    const before = NOW - 40 * DAY;
    const heldThen = oracle.held(expiredLearner.learnerId, 'listening', before);
    expect(heldThen).not.toBeNull();
    const now = await get('gaps/learners?by=role&group=agent&competency=listening').expect(200);
    expect(now.body.learners.find((x: { learnerId: string }) => x.learnerId === expiredLearner.learnerId)).toMatchObject({ heldLevel: null, below: true });
    const then = await get(`gaps/learners?by=role&group=agent&competency=listening&to=${new Date(before).toISOString()}`).expect(200);
    expect(then.body.learners.find((x: { learnerId: string }) => x.learnerId === expiredLearner.learnerId)).toMatchObject({ heldLevel: heldThen, below: oracle.levelIndex('listening', heldThen) < 1 });
    const gapsThen = await get(`gaps?by=role&to=${new Date(before).toISOString()}`).expect(200);
    expectCellsClose(gapsThen.body.cells, expectedGaps('role', before));
  });

  it('answers readiness and coverage per role at `to`', async () => {
    for (const at of [NOW, NOW - 40 * DAY]) {
      const res = await get(`readiness?to=${new Date(at).toISOString()}`).expect(200);
      for (const role of FW.roles) {
        const people = withRole().filter((l) => l.role === role.id);
        const held = (l: CohortLearner) => role.requirements.filter((r) => oracle.levelIndex(r.competencyId, oracle.held(l.learnerId, r.competencyId, at)) >= oracle.levelIndex(r.competencyId, r.targetLevel)).length;
        const ready = people.filter((l) => held(l) === role.requirements.length).length;
        const validatedCells = people.reduce((s, l) => s + held(l), 0);
        expect(res.body.roles.find((r: { role: string }) => r.role === role.id)).toEqual({
          role: role.id, title: role.title, requirements: role.requirements.length, people: people.length, ready, shareReady: ready / people.length,
          requiredCells: people.length * role.requirements.length, validatedCells, coverage: validatedCells / (people.length * role.requirements.length),
        });
      }
      expect(res.body.total.people).toBe(withRole().length);
    }
    const text = (await get('readiness').set('Accept', 'text/csv').expect(200)).text;
    expect(text.split('\r\n')[0]).toBe('role,title,requirements,people,ready,shareReady,requiredCells,validatedCells,coverage');
    expect(csv(text).at(-1)).toMatchObject({ role: '*', people: String(withRole().length) });
  });

  it('lists reassessments falling due within N days, overdue ones flagged, with a count and paging', async () => {
    const expected: Array<{ learnerId: string; due: number }> = [];
    for (const l of learners) {
      const s = oracle.state(l.learnerId, 'listening', NOW);
      if (s?.validated && s.reassessmentDueAt !== null && s.reassessmentDueAt <= NOW + 7 * DAY) expected.push({ learnerId: l.learnerId, due: s.reassessmentDueAt });
    }
    expect(expected.length).toBeGreaterThan(2);
    expected.sort((a, b) => a.due - b.due || a.learnerId.localeCompare(b.learnerId));
    const first = await get('reassessments?days=7&limit=2').expect(200);
    expect(first.body.count).toBe(expected.length);
    expect(first.body.items.map((i: { learnerId: string }) => i.learnerId)).toEqual(expected.slice(0, 2).map((e) => e.learnerId));
    expect(first.body.items[0]).toMatchObject({ competencyId: 'listening', reassessmentDueAt: new Date(expected[0]!.due).toISOString(), overdue: expected[0]!.due < NOW });
    const rest: string[] = [];
    for (let more = first.body.more as string | null; more !== null;) {
      const page = await api(lrs.app).get(more).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      rest.push(...page.body.items.map((i: { learnerId: string }) => i.learnerId));
      more = page.body.more;
    }
    expect(rest).toEqual(expected.slice(2).map((e) => e.learnerId));
  });
});

/** (learner, required leaf competency) durations the oracle expects, in days, at `at`. */
function expectedDurations(at: number, pick: (l: CohortLearner, competencyId: string) => boolean) {
  const out: Array<{ d: number; censored: boolean }> = [];
  let noStart = 0;
  for (const l of withRole()) {
    for (const r of oracle.requirements(l)) {
      if (r.competencyId === 'service' || !pick(l, r.competencyId)) continue;
      const evidence = oracle.evidence(l.learnerId, r.competencyId);
      const start = l.roleAssignedAt ?? (evidence.length > 0 ? Math.min(...evidence.map((e) => e.observedAt)) : null);
      if (start === null) { noStart++; continue; }
      if (start > at) continue; // not started by `to`
      const reached = oracle.state(l.learnerId, r.competencyId, NOW)?.firstValidatedAt[r.targetLevel];
      if (reached !== undefined && reached <= at) out.push({ d: Math.max(0, reached - start) / DAY, censored: false });
      else out.push({ d: (Math.min(at, NOW) - start) / DAY, censored: true });
    }
  }
  return { out, noStart };
}

describe('time-to-competency', () => {
  it('estimates median, p75 and p90 per competency and role with Kaplan-Meier, keeping the not-yet-competent as censored', async () => {
    const res = await get('time-to-competency?by=competency,role').expect(200);
    expect(res.body.unit).toBe('days');
    for (const g of res.body.groups) {
      const { out, noStart } = expectedDurations(NOW, (l, c) => l.role === g.role && c === g.competencyId);
      expect({ n: g.n, events: g.events, censored: g.censored, noStart: g.noStart }).toEqual({ n: out.length, events: out.filter((x) => !x.censored).length, censored: out.filter((x) => x.censored).length, noStart });
      const e = km(out);
      for (const k of ['median', 'p75', 'p90'] as const) {
        if (e[k] === null) expect(g[k]).toBeNull();
        else expect(g[k]).toBeCloseTo(e[k] as number, 6);
      }
    }
    const listeningAgents = res.body.groups.find((g: { competencyId: string; role: string }) => g.competencyId === 'listening' && g.role === 'agent');
    expect(listeningAgents.censored).toBeGreaterThan(0);
    expect(listeningAgents.events).toBeGreaterThan(0);
  });

  it('groups by cohort too (the default), answers curves on request, and censors at `to`', async () => {
    const to = NOW - 20 * DAY;
    const res = await get(`time-to-competency?curves=true&competency=listening&to=${new Date(to).toISOString()}`).expect(200);
    for (const g of res.body.groups) {
      const { out } = expectedDurations(to, (l, c) => c === 'listening' && l.role === g.role && (l.cohort ?? null) === g.cohort);
      expect([g.n, g.events]).toEqual([out.length, out.filter((x) => !x.censored).length]);
      // The curve has a point per day with validations; survival only falls.
      expect(g.curve.reduce((n: number, p: { events: number }) => n + p.events, 0)).toBe(g.events);
      g.curve.forEach((p: { survival: number }, k: number) => expect(p.survival).toBeLessThanOrEqual(k === 0 ? 1 : g.curve[k - 1].survival));
    }
    const text = (await get('time-to-competency?format=csv').expect(200)).text;
    expect(text.split('\r\n')[0]).toBe('competencyId,role,cohort,targetLevel,n,events,censored,noStart,median,p75,p90');
  });
});

describe('skills matrix, proficiency and cohorts', () => {
  it('pages learners × competencies with level, score interval and validity, in JSON and CSV', async () => {
    const page = await get('skills-matrix?limit=7').expect(200);
    expect(page.body.learners).toHaveLength(7);
    expect(page.body.competencies.map((c: { id: string }) => c.id)).toEqual(FW.competencies.map((c) => c.id));
    const all = [...page.body.learners];
    let more = page.body.more as string | null;
    while (more) {
      const next = await api(lrs.app).get(more).expect(200);
      all.push(...next.body.learners);
      more = next.body.more;
    }
    expect(all.map((l) => l.learnerId)).toEqual(learners.map((l) => l.learnerId).sort());
    for (const l of all) {
      for (const c of l.cells.filter((x: { competencyId: string }) => x.competencyId !== 'service')) {
        const s = oracle.state(l.learnerId, c.competencyId, NOW);
        expect({ level: c.level, evidenceCount: c.evidenceCount, validated: c.validated, validatedLevel: c.validatedLevel }).toEqual({ level: s?.level ?? null, evidenceCount: s?.evidenceCount ?? 0, validated: s?.validated ?? false, validatedLevel: s?.validated ? s.validatedLevel : null });
        if (s) {
          expect(c.score).toBeCloseTo(s.score, 9);
          expect(c.interval[0]).toBeCloseTo(s.interval[0], 9);
          expect(c.validUntil).toBe(s.validUntil === null ? null : new Date(s.validUntil).toISOString());
        }
      }
      const required = oracle.requirements(learnerOf(l.learnerId)).map((r) => r.competencyId);
      for (const r of required) expect(l.cells.map((x: { competencyId: string }) => x.competencyId)).toContain(r);
    }
    const text = (await get('skills-matrix?limit=500&format=csv').expect(200)).text;
    const rows = csv(text);
    expect(rows).toHaveLength(all.reduce((n, l) => n + l.cells.length, 0));
    const one = all.find((l) => l.cells.some((c: { validated: boolean }) => c.validated))!;
    const cell = one.cells.find((c: { validated: boolean }) => c.validated);
    expect(rows.find((r) => r.learnerId === one.learnerId && r.competencyId === cell.competencyId)).toMatchObject({ validated: 'true', validatedLevel: cell.validatedLevel, score: String(cell.score), scoreLow: String(cell.interval[0]), validUntil: cell.validUntil ?? '' });
  });

  it('counts people per estimated and validated level per competency and cohort', async () => {
    const res = await get('proficiency?competency=listening').expect(200);
    for (const row of res.body.rows) {
      const members = learners.filter((l) => (l.cohort ?? null) === row.cohort);
      const states = members.map((l) => oracle.state(l.learnerId, 'listening', NOW)).filter((s) => s !== null);
      expect(row.people).toBe(members.length);
      expect(row.assessed).toBe(states.length);
      for (const lv of ['basic', 'proficient', 'expert']) {
        expect(row.byLevel[lv]).toBe(states.filter((s) => s!.level === lv).length);
        expect(row.byValidatedLevel[lv]).toBe(states.filter((s) => s!.validated && s!.validatedLevel === lv).length);
      }
      expect(row.byValidatedLevel.none).toBe(members.length - states.filter((s) => s!.validated).length);
    }
    const rows = csv((await get('proficiency?format=csv').expect(200)).text);
    expect(Object.keys(rows[0]!)).toEqual(['competencyId', 'cohort', 'people', 'assessed', 'meanScore', 'level:basic', 'level:proficient', 'level:expert', 'level:none', 'validated:basic', 'validated:proficient', 'validated:expert', 'validated:none']);
    expect(rows).toHaveLength(FW.competencies.length * 3);
  });

  it('compares cohorts side by side', async () => {
    const res = await get('cohorts').expect(200);
    expect(res.body.rows.map((r: { cohort: string | null }) => r.cohort)).toEqual(['2026-01', '2026-02', null]);
    for (const row of res.body.rows) {
      const members = withRole().filter((l) => (l.cohort ?? null) === row.cohort);
      const cells = members.flatMap((l) => oracle.requirements(l).map((r) => ({ l, r })));
      const held = cells.filter(({ l, r }) => oracle.levelIndex(r.competencyId, oracle.held(l.learnerId, r.competencyId, NOW)) >= oracle.levelIndex(r.competencyId, r.targetLevel)).length;
      const { out } = expectedDurations(NOW, (l) => (l.cohort ?? null) === row.cohort);
      expect(row).toMatchObject({ withRole: members.length, requiredCells: cells.length, validatedCells: held, below: cells.length - held, n: out.length, events: out.filter((x) => !x.censored).length });
    }
  });
});

describe('leading indicators', () => {
  it('gives scenario accuracy per scenario activity and competency (value ≥ threshold counts as correct)', async () => {
    const scenario = posted.filter((p) => p.evidence.some((e) => e.sourceKind === 'scenario'));
    const res = await get('scenario-accuracy').expect(200);
    for (const [competencyId, table] of [['listening', LISTENING_TABLE], ['complaints', COMPLAINTS_TABLE]] as const) {
      const values = scenario.filter((p) => !voided.has(p.id)).map((p) => table[(p.statement.result as { response: string }).response]!);
      expect(res.body.rows.find((r: { competencyId: string }) => r.competencyId === competencyId)).toEqual({
        activityId: SCENARIO, competencyId, choices: values.length, correct: values.filter((v) => v >= 0.5).length, accuracy: values.filter((v) => v >= 0.5).length / values.length,
        learners: values.length, meanValue: values.reduce((a, b) => a + b, 0) / values.length,
      });
    }
    const strict = await get('scenario-accuracy?threshold=1').expect(200);
    expect(strict.body.byCompetency.find((r: { competencyId: string }) => r.competencyId === 'listening').correct).toBe(scenario.filter((p) => (p.statement.result as { response: string }).response === 'good').length);
  });

  it('gives completion of competency-aligned paths from cmi5 satisfied statements', async () => {
    const res = await get('path-completion').expect(200);
    const course = res.body.paths.find((p: { activityId: string }) => p.activityId === COURSE);
    const done = new Set(posted.filter((p) => p.satisfied && !voided.has(p.id)).map((p) => p.learnerId));
    const targeted = withRole(); // every role requires listening
    expect(course).toEqual({ activityId: COURSE, competencyIds: ['listening'], targeted: targeted.length, completed: targeted.filter((l) => done.has(l.learnerId)).length, completionRate: targeted.filter((l) => done.has(l.learnerId)).length / targeted.length, completedAll: done.size });
    expect(res.body.paths.map((p: { activityId: string }) => p.activityId)).toEqual(expect.arrayContaining([QUIZ('listening'), SCENARIO]));
  });
});

describe('voiding', () => {
  it('takes a voided statement out of every aggregate (the real worker retracts its evidence)', async () => {
    // A strong learner loses one of two listening quizzes (below minEvidence), a scenario choice and a completion.
    const strong = learners[5]!;
    const quizzes = posted.filter((p) => p.learnerId === strong.learnerId && p.evidence[0]?.competencyId === 'listening' && p.evidence[0]?.sourceKind === 'knowledge-check');
    const scenario = posted.find((p) => p.learnerId === strong.learnerId && p.evidence.some((e) => e.sourceKind === 'scenario'))!;
    const satisfied = posted.find((p) => p.learnerId === strong.learnerId && p.satisfied)!;
    const before = await get('gaps/learners?by=role&group=agent&competency=listening').expect(200);
    expect(before.body.learners.find((x: { learnerId: string }) => x.learnerId === strong.learnerId).below).toBe(false);
    const accuracyBefore = (await get('scenario-accuracy').expect(200)).body.byCompetency.find((r: { competencyId: string }) => r.competencyId === 'listening');
    for (const p of [quizzes[0]!, scenario, satisfied]) {
      await xapi(lrs.app).post('/xapi/statements').send(voiding(p.id)).expect(200);
      voided.add(p.id);
    }
    await waitScored(lrs);

    const after = await get('gaps/learners?by=role&group=agent&competency=listening').expect(200);
    expect(after.body.learners.find((x: { learnerId: string }) => x.learnerId === strong.learnerId)).toMatchObject({ below: true, heldLevel: null });
    expectCellsClose((await get('gaps?by=role').expect(200)).body.cells, expectedGaps('role', NOW));
    const accuracyAfter = (await get('scenario-accuracy').expect(200)).body.byCompetency.find((r: { competencyId: string }) => r.competencyId === 'listening');
    expect(accuracyAfter.choices).toBe(accuracyBefore.choices - 1);
    const course = (await get('path-completion').expect(200)).body.paths.find((p: { activityId: string }) => p.activityId === COURSE);
    expect(course.completedAll).toBe(new Set(posted.filter((p) => p.satisfied && !voided.has(p.id)).map((p) => p.learnerId)).size);
  });
});

describe('learner changes and rebuilds', () => {
  it('moves a learner between teams as soon as the learner is saved', async () => {
    const l = learners[1]!;
    const teamOf = async () => (await get('gaps/learners?by=team&group=north&competency=listening').expect(200)).body.learners.some((x: { learnerId: string }) => x.learnerId === l.learnerId);
    expect(await teamOf()).toBe(false);
    await api(lrs.app).put(`/api/learners/${l.learnerId}`).send({ identities: [{ mbox: `mailto:${l.learnerId}@example.com` }], team: 'north', role: l.role, cohort: l.cohort, manager: l.manager, roleAssignedAt: new Date(l.roleAssignedAt!).toISOString() }).expect(200);
    expect(await teamOf()).toBe(true);
    l.team = 'north';
  });

  it('shows an unknown agent as an implicit learner, then under the learner who claims the identity', async () => {
    const who = `newcomer-${randomUUID().slice(0, 6)}`;
    const t = NOW - 3 * DAY;
    const quiz = (scaled: number, at: number) => ({ id: randomUUID(), actor: { mbox: `mailto:${who}@example.com` }, verb: { id: 'http://adlnet.gov/expapi/verbs/scored' }, object: { objectType: 'Activity', id: QUIZ('listening') }, result: { score: { scaled } }, timestamp: new Date(at).toISOString() });
    await xapi(lrs.app).post('/xapi/statements').send([quiz(1, t), quiz(1, t + 60_000)]).expect(200);
    await waitScored(lrs);
    const implicitId = `implicit:mbox:mailto:${who}@example.com`;
    const rows = async () => csv((await get('skills-matrix?limit=500&competency=listening&format=csv').expect(200)).text);
    expect((await rows()).filter((r) => r.learnerId === implicitId)).toEqual([expect.objectContaining({ competencyId: 'listening', validated: 'true', role: '' })]);
    // Filters by attribute leave implicit learners out.
    expect((await get('skills-matrix?limit=500&team=north').expect(200)).body.learners.some((l: { learnerId: string }) => l.learnerId === implicitId)).toBe(false);

    await api(lrs.app).put(`/api/learners/${who}`).send({ identities: [{ mbox: `mailto:${who}@example.com` }], role: 'agent', team: 'north' }).expect(201);
    const after = await rows();
    expect(after.some((r) => r.learnerId === implicitId)).toBe(false);
    expect(after.find((r) => r.learnerId === who)).toMatchObject({ competencyId: 'listening', validated: 'true', role: 'agent', team: 'north', requiredLevel: 'proficient' });
    const drill = await get('gaps/learners?by=team&group=north&competency=listening').expect(200);
    expect(drill.body.learners.find((l: { learnerId: string }) => l.learnerId === who)).toMatchObject({ targetLevel: 'proficient' });
  });

  it('reads the new generation after a rebuild switches, with the same figures', async () => {
    const before = (await get('gaps?by=role').expect(200)).body.cells;
    const job = await api(lrs.app).post('/api/rebuild').expect(202);
    const jobUrl = job.headers.location as string;
    for (let i = 0; i < 400; i++) {
      const s = await api(lrs.app).get(jobUrl).expect(200);
      if (s.body.state === 'completed') break;
      if (s.body.state === 'failed') throw new Error(`rebuild failed: ${JSON.stringify(s.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const generation = await lrs.container.db.collection('scoring_generations').findOne({ _id: 'default' as never });
    expect(generation?.active).toBe(2);
    expect((await get('gaps?by=role').expect(200)).body.cells).toEqual(before);
  });
});

describe('the contract (schemas/analytics/responses.schema.json)', () => {
  it('every endpoint answers in the documented shape', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv, ['date-time']);
    ajv.addSchema(responsesSchema);
    const cases: Array<[string, string]> = [
      ['skills-matrix', 'skills-matrix?limit=5'], ['gaps', 'gaps?by=team'], ['gaps-learners', 'gaps/learners?by=team&group=north&competency=listening'],
      ['time-to-competency', 'time-to-competency?curves=true'], ['readiness', 'readiness'], ['proficiency', 'proficiency'], ['cohorts', 'cohorts'],
      ['scenario-accuracy', 'scenario-accuracy'], ['path-completion', 'path-completion'], ['reassessments', 'reassessments?days=60'],
    ];
    for (const [def, path] of cases) {
      const body = (await get(path).expect(200)).body;
      const validate = ajv.getSchema(`${responsesSchema.$id}#/$defs/${def}`)!;
      expect({ def, ok: validate(body), errors: validate.errors ?? null }).toEqual({ def, ok: true, errors: null });
      // And the schema does bite: a cell without its counts is refused.
      if (def === 'gaps') expect(validate({ ...body, cells: [{ ...body.cells[0], people: undefined }] })).toBe(false);
    }
  });
});

describe('parameters, scopes and stores', () => {
  it('answers 400 naming each problem for parameters that make no sense', async () => {
    const bad = async (path: string, pattern: RegExp) => {
      const res = await api(lrs.app).get(`/api/analytics/${path}`).expect(400);
      expect(res.body.error.code).toBe('INVALID_PARAMETER');
      expect(res.body.error.message).toMatch(pattern);
    };
    await bad('gaps?by=role', /framework: is required/);
    await bad(`gaps?${q}`, /by: is required/);
    await bad(`gaps?${q}&by=manager`, /by: must be one of role, team/);
    await bad(`gaps?${q}&by=role&colour=red`, /colour: is not a parameter/);
    await bad(`gaps?${q}&by=role&from=2026-02-01&to=2026-01-01`, /from: must not be after to/);
    await bad(`gaps?${q}&by=role&to=yesterday`, /to: must be an RFC 3339 date-time/);
    await bad(`gaps?${q}&by=role&to=2026-02-30`, /to: is not a calendar date/);
    await bad(`readiness?${q}&role=astronaut`, /role: "astronaut" is not a role/);
    await bad(`proficiency?${q}&competency=juggling`, /competency: "juggling" is not a competency/);
    await bad(`time-to-competency?${q}&competency=service`, /rolls up/);
    await bad(`time-to-competency?${q}&by=team`, /by: must be a comma-separated subset/);
    await bad(`reassessments?${q}&days=0`, /days: must be between 1 and 3650/);
    await bad(`reassessments?${q}&after=garbage`, /after: is not a cursor/);
    await bad(`scenario-accuracy?${q}&threshold=2`, /threshold: must be greater than 0 and at most 1/);
    await bad(`path-completion?${q}&verbs=${enc('http://example.com/jumped')}`, /not captured as completions/);
    await bad(`skills-matrix?${q}&limit=0&format=xml`, /format: must be one of json, csv; limit: must be between 1 and 500/);
    await bad(`readiness?${q}&role=agent&role=lead`, /role: must be given once/);
  });

  it('answers 404 for an unknown framework or endpoint', async () => {
    await api(lrs.app).get(`/api/analytics/gaps?by=role&framework=${enc('https://example.com/none')}`).expect(404);
    await api(lrs.app).get(`/api/analytics/nothing?${q}`).expect(404);
  });

  it('needs competency/read and keeps stores apart', async () => {
    await api(lrs.app, null).get(`/api/analytics/readiness?${q}`).expect(401);
    await api(lrs.app, await credential(lrs, ['statements/read'])).get(`/api/analytics/readiness?${q}`).expect(403);
    await api(lrs.app, await credential(lrs, ['competency/read'])).get(`/api/analytics/readiness?${q}`).expect(200);
    // The same framework in another store has none of this store's learners.
    const other = await credential(lrs, ['all'], 'other-store');
    await api(lrs.app, other).get(`/api/analytics/readiness?${q}`).expect(404);
    await saveDefinitions(lrs, { store: 'other-store', framework: FW, rules: cohortRules() });
    const res = await api(lrs.app, other).get(`/api/analytics/readiness?${q}`).expect(200);
    expect(res.body.total.people).toBe(0);
    expect((await api(lrs.app, other).get(`/api/analytics/skills-matrix?${q}`).expect(200)).body.learners).toEqual([]);
  });
});
