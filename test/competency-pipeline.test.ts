import { computeState } from '../src/engine';
import { statesRepository } from '../src/competency/states.repository';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { rollupsRepository } from '../src/competency/rollups.repository';
import { scoringSkipsRepository } from '../src/competency/scoring-skips.repository';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { DAY, essence, FRAMEWORK, observation, quiz, saveDefinitions, scenario, startWorker, voiding, waitFor, waitScored } from './helpers/competency-fixtures';
import type { CompetencyWorker } from '../src/competency/competency-worker';

const FW = FRAMEWORK.id;
const cell = (name: string, competencyId: string) => ({ learnerId: `implicit:mbox:mailto:${name}@example.com`, frameworkId: FW, competencyId });

describe('competency pipeline: statements → evidence → states', () => {
  let lrs: TestLrs;
  let worker: CompetencyWorker;
  const states = () => statesRepository(lrs.container.db);
  const evidence = () => evidenceRepository(lrs.container.db);
  const post = async (body: object) => (await xapi(lrs.app).post('/xapi/statements').send(body).expect(200)).body as string[];
  /** Posts two quizzes of one learner, waits until they are scored, then marks them to score again (for a job of our own). */
  const scoredThenMarked = async (who: string): Promise<string[]> => {
    const t = Date.now() - 2 * DAY;
    const ids: string[] = [];
    for (const s of [quiz(who, 0.6, t), quiz(who, 0.8, t + 1000)]) ids.push(...(await post(s)));
    await waitScored(lrs);
    await lrs.container.db.collection('statements').updateMany({ store: 'default', id: { $in: ids } }, { $set: { toScore: true } });
    return ids;
  };

  beforeAll(async () => {
    lrs = await startTestLrs();
    await saveDefinitions(lrs);
    worker = await startWorker(lrs);
  });
  afterAll(async () => {
    await worker.close();
    await lrs.close();
  });

  it('turns posted statements into evidence, a validated state, a roll-up and recorded skips', async () => {
    const t = Date.now() - 10 * DAY;
    const ids = await post([quiz('ada', 0.9, t), quiz('ada', 1, t + 60_000), quiz('ada', 0.8, t + 120_000), scenario('ada', 'good', t + 180_000)]);
    const [noScore] = await post({ ...quiz('ada', 0.5, t + 240_000), result: {} });
    await waitScored(lrs);

    const rows = await evidence().forCell('default', 1, cell('ada', 'hazards'));
    expect(rows.map((r) => r.statementId).sort()).toEqual(ids.sort());
    expect(rows.find((r) => r.ruleId === 'scenario')).toMatchObject({ sourceKind: 'scenario', value: 1 });

    const hazards = await states().get('default', 1, cell('ada', 'hazards'));
    // The stored state is exactly what the engine computes from the evidence set.
    const expected = computeState({ competency: FRAMEWORK.competencies[1]!, learnerId: cell('ada', 'hazards').learnerId, evidence: rows, now: hazards!.asOf });
    expect(essence(hazards)).toEqual(essence(expected));
    expect(hazards).toMatchObject({ evidenceCount: 4, level: 'proficient', validated: true, validatedLevel: 'basic' });
    expect(hazards!.score).toBeGreaterThan(0.7);
    expect(hazards!.validUntil).toBe(hazards!.validatedAt! + 365 * DAY);

    const ppe = await states().get('default', 1, cell('ada', 'ppe'));
    expect(ppe).toMatchObject({ evidenceCount: 1, validated: false });

    const [safety] = await rollupsRepository(lrs.container.db).forLearner('default', 1, cell('ada', 'safety').learnerId, FW);
    expect(safety).toMatchObject({ competencyId: 'safety', mode: 'all-children', validated: false, missing: ['ppe'] });
    // Its children are stored as JSON text and read back as standings; a roll-up stored with them
    // as documents (before) reads the same.
    const rollups = lrs.container.db.collection('competency_rollups');
    const raw = await rollups.findOne({ store: 'default', generation: 1, learnerId: cell('ada', 'safety').learnerId, competencyId: 'safety' });
    expect(typeof raw!.children).toBe('string');
    expect(safety!.children.map((c) => [c.competencyId, c.validated])).toEqual([['hazards', true], ['ppe', false]]);
    const { _id, ...legacy } = raw!;
    await rollups.insertOne({ ...legacy, learnerId: 'legacy-learner', children: JSON.parse(raw!.children as string) as unknown });
    const [old] = await rollupsRepository(lrs.container.db).forLearner('default', 1, 'legacy-learner', FW);
    expect(old!.children).toEqual(safety!.children);
    await rollups.deleteOne({ store: 'default', learnerId: 'legacy-learner' });

    const skips = await scoringSkipsRepository(lrs.container.db).list('default', 1);
    expect(skips).toEqual([expect.objectContaining({ statementId: noScore, frameworkId: FW, ruleId: 'quiz', competencyId: 'hazards', reason: expect.stringMatching(/result\.score\.scaled/) })]);
  });

  it('retracts a voided statement: the state returns exactly to what it was without it', async () => {
    const t = Date.now() - 5 * DAY;
    await post([quiz('bob', 0.9, t), quiz('bob', 0.85, t + 1000), quiz('bob', 0.95, t + 2000)]);
    await waitScored(lrs);
    const before = await states().get('default', 1, cell('bob', 'hazards'));
    expect(before).toMatchObject({ validated: true, evidenceCount: 3 });

    const [bad] = await post(quiz('bob', 0, t + 3000));
    await waitScored(lrs);
    const during = await states().get('default', 1, cell('bob', 'hazards'));
    expect(during!.evidenceCount).toBe(4);
    expect(during!.score).toBeLessThan(before!.score);

    await post(voiding(bad!));
    await waitScored(lrs);
    const after = await states().get('default', 1, cell('bob', 'hazards'));
    expect(essence(after)).toEqual(essence(before));
    const trail = await evidence().trail('default', 1, cell('bob', 'hazards'));
    expect(trail.find((r) => r.statementId === bad)).toMatchObject({ retractedBy: expect.stringMatching(/^voided by /) });
  });

  it('gives no evidence to a statement whose voiding arrived first, and voids only once', async () => {
    const t = Date.now() - 5 * DAY;
    const target = quiz('cleo', 1, t);
    await post(voiding(target.id as string));
    await post(target);
    await post(observation('cleo', true, t + 1000));
    await waitScored(lrs);
    expect(await states().get('default', 1, cell('cleo', 'hazards'))).toBeNull();
    expect(await states().get('default', 1, cell('cleo', 'ppe'))).toMatchObject({ evidenceCount: 1 });
    const rows = await evidence().trail('default', 1, cell('cleo', 'hazards'));
    expect(rows.filter((r) => r.retractedAt === undefined)).toEqual([]);
  });

  it('reaches the same state whatever order the statements arrive in', async () => {
    const t = Date.now() - 20 * DAY;
    const story = (who: string) => [quiz(who, 0.4, t), scenario(who, 'risky', t + DAY), quiz(who, 0.9, t + 2 * DAY), scenario(who, 'good', t + 3 * DAY), observation(who, true, t + 4 * DAY), quiz(who, 1, t + 5 * DAY), observation(who, true, t + 6 * DAY)];
    // In order, one request each; reversed, one request each; shuffled, as one batch.
    for (const s of story('dora')) await post(s);
    for (const s of story('emil').reverse()) await post(s);
    const shuffled = story('fred');
    await post([shuffled[3], shuffled[0], shuffled[6], shuffled[1], shuffled[5], shuffled[2], shuffled[4]]);
    await waitScored(lrs);
    for (const competencyId of ['hazards', 'ppe']) {
      const [d, e, f] = await Promise.all(['dora', 'emil', 'fred'].map((who) => states().get('default', 1, cell(who, competencyId))));
      expect(essence(d)).toEqual(essence(e));
      expect(essence(d)).toEqual(essence(f));
    }
    const rollups = await Promise.all(['dora', 'emil'].map((who) => rollupsRepository(lrs.container.db).forLearner('default', 1, cell(who, 'safety').learnerId)));
    expect(rollups[0]!.map(({ score, validated, level }) => ({ score, validated, level }))).toEqual(rollups[1]!.map(({ score, validated, level }) => ({ score, validated, level })));
  });

  it('scores a burst of one learner’s statements once each, whatever the concurrency', async () => {
    const t = Date.now() - 3 * DAY;
    const burst = Array.from({ length: 40 }, (_, i) => quiz('gus', (i % 10) / 10, t + i * 1000));
    await Promise.all(burst.map((s) => post(s)));
    await waitScored(lrs);
    const rows = await evidence().forCell('default', 1, cell('gus', 'hazards'));
    expect(rows).toHaveLength(40);
    const stored = await states().get('default', 1, cell('gus', 'hazards'));
    const expected = computeState({ competency: FRAMEWORK.competencies[1]!, learnerId: cell('gus', 'hazards').learnerId, evidence: rows, now: stored!.asOf });
    expect(essence(stored)).toEqual(essence(expected));
  });

  it('processing a statement again changes nothing', async () => {
    const t = Date.now() - 2 * DAY;
    const [id] = await post(quiz('hana', 0.7, t));
    await waitScored(lrs);
    const before = await states().get('default', 1, cell('hana', 'hazards'));
    await lrs.container.db.collection('statements').updateOne({ id }, { $set: { toScore: true } });
    const { scoreStatement } = await import('../src/competency/score-statement.processor');
    await scoreStatement(worker.pipeline, { store: 'default', statementId: id! });
    await scoreStatement(worker.pipeline, { store: 'default', statementId: id! });
    const after = await states().get('default', 1, cell('hana', 'hazards'));
    expect(essence(after)).toEqual(essence(before));
    expect(await evidence().forCell('default', 1, cell('hana', 'hazards'))).toHaveLength(1);
  });

  it('scores every statement of a job of several, and fails it without retries naming the one that is not stored', async () => {
    const ids = await scoredThenMarked('iris');
    const col = lrs.container.db.collection('statements');
    const docs = await col.find({ store: 'default', id: { $in: ids } }).toArray();
    const missing = '00000000-0000-4000-8000-0000000000aa';
    const { scoringJobData } = await import('../src/queue/scoring-queue');
    const { failedJobs } = await import('../src/competency/failed-jobs');
    const queue = lrs.container.scoring.queue;
    // The first with its document's _id, the missing one between, the last by its id alone.
    const data = scoringJobData('default', [{ id: ids[0]!, oid: docs.find((d) => d.id === ids[0])!._id.toHexString() }, { id: missing }, { id: ids[1]! }]);
    await queue.add('score', data, { jobId: 'default__batch-with-missing', attempts: 5 });
    const failed = await waitFor('the batch job to fail', async () => (await failedJobs(queue, { store: 'default' })).find((f) => f.id === 'default__batch-with-missing'));
    expect(failed).toMatchObject({ attemptsMade: 1, transient: false, statementId: ids[0], statementIds: [ids[0], missing, ids[1]] });
    expect(failed.failedReason).toMatch(new RegExp(`^1 of 3 statements not scored \\(${missing}: .*not stored`));
    // The two stored statements were scored by that job all the same, once.
    expect(await col.countDocuments({ store: 'default', id: { $in: ids }, toScore: true })).toBe(0);
    expect(await evidence().forCell('default', 1, cell('iris', 'hazards'))).toHaveLength(2);
  });

  it('returns each statement of a job with the time its scoring finished', async () => {
    const ids = await scoredThenMarked('jon');
    const { scoringJobData } = await import('../src/queue/scoring-queue');
    const queue = lrs.container.scoring.queue;
    const before = Date.now();
    await queue.add('score', scoringJobData('default', ids.map((id) => ({ id }))), { jobId: 'default__two-timed' });
    const job = await waitFor('the job to complete', async () => {
      const j = await queue.getJob('default__two-timed');
      return j !== undefined && (await j.isCompleted()) ? j : undefined;
    });
    const after = Date.now();
    const result = job.returnvalue as Array<{ statementId: string; status: string; scoredAt: number }>;
    expect(result.map((r) => [r.statementId, r.status])).toEqual(ids.map((id) => [id, 'scored']));
    for (const r of result) {
      expect(r.scoredAt).toBeGreaterThanOrEqual(before);
      expect(r.scoredAt).toBeLessThanOrEqual(after);
    }
  });

  it('lists a job it cannot process among failed jobs, without retrying it', async () => {
    const { failedJobs } = await import('../src/competency/failed-jobs');
    const queue = lrs.container.scoring.queue;
    await queue.add('score', { store: 'default' } as never, { jobId: 'default__malformed', attempts: 5 });
    await queue.add('score', { store: 'default', statementId: '00000000-0000-4000-8000-000000000000' }, { jobId: 'default__missing', attempts: 5 });
    const failed = await waitFor('two failed jobs', async () => {
      const f = (await failedJobs(queue, { store: 'default' })).filter((j) => ['default__malformed', 'default__missing'].includes(j.id));
      return f.length >= 2 ? f : undefined;
    });
    expect(failed.map((f) => f.id).sort()).toEqual(['default__malformed', 'default__missing']);
    for (const f of failed) expect(f.attemptsMade).toBe(1);
    expect(failed.find((f) => f.id === 'default__missing')).toMatchObject({ statementId: '00000000-0000-4000-8000-000000000000', transient: false, failedReason: expect.stringMatching(/not stored/) });
    expect(await failedJobs(queue, { store: 'other' })).toEqual([]);
  });
});
