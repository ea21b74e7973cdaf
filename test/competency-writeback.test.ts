import { scoringJobId } from '../src/queue/scoring-queue';
import { statesRepository } from '../src/competency/states.repository';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { learnersRepository } from '../src/competency/learners.repository';
import { relinkLearner } from '../src/competency/relink-learner';
import { scoreStatement } from '../src/competency/score-statement.processor';
import { ACTIVITY_TYPE_COMPETENCY, competencyIri, EXT_TLA_CONFIDENCE, EXT_TLA_EVIDENCE, EXTENSIONS, SYSTEM_HOMEPAGE, VERB_ASSERTED, VERB_EXPIRED, writebackStatementId } from '../src/competency/write-back';
import type { CompetencyWorker } from '../src/competency/competency-worker';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { DAY, essence, FRAMEWORK, quiz, saveDefinitions, startWorker, waitFor, waitScored, waitSettled } from './helpers/competency-fixtures';

const FW = FRAMEWORK.id;

interface Written { id: string; timestamp: string; object: { id: string }; context: { extensions: Record<string, unknown> } }

describe('write-back of validations and expiries', () => {
  let lrs: TestLrs;
  let worker: CompetencyWorker;
  beforeAll(async () => {
    lrs = await startTestLrs();
    await saveDefinitions(lrs);
    worker = await startWorker(lrs);
  });
  afterAll(async () => {
    await worker.close();
    await lrs.close();
  });

  const statementsWith = async (verb: string, mbox: string) => {
    const res = await xapi(lrs.app).get(`/xapi/statements?verb=${encodeURIComponent(verb)}&agent=${encodeURIComponent(JSON.stringify({ mbox }))}`).expect(200);
    return res.body.statements as Written[];
  };

  it('stores one TLA "asserted" statement when a competency becomes validated, and scores it no further', async () => {
    const t = Date.now() - 3 * DAY;
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([quiz('olga', 0.9, t), quiz('olga', 0.95, t + 1000), quiz('olga', 0.85, t + 2000)]).expect(200)).body;
    await waitScored(lrs);
    const learnerId = 'implicit:mbox:mailto:olga@example.com';
    const state = await statesRepository(lrs.container.db).get('default', 1, { learnerId, frameworkId: FW, competencyId: 'hazards' });
    expect(state).toMatchObject({ validated: true });

    const asserted = await waitFor('the asserted statement', async () => {
      const found = await statementsWith(VERB_ASSERTED, 'mailto:olga@example.com');
      return found.length > 0 ? found : undefined;
    });
    expect(asserted).toHaveLength(1);
    const s = asserted[0]!;
    expect(s.id).toBe(writebackStatementId({ store: 'default', learnerId, frameworkId: FW, competencyId: 'hazards', kind: 'validated', ordinal: 1 }));
    expect(s).toMatchObject({
      actor: { mbox: 'mailto:olga@example.com' },
      verb: { id: VERB_ASSERTED },
      object: { objectType: 'Activity', id: competencyIri(FW, 'hazards'), definition: { type: ACTIVITY_TYPE_COMPETENCY } },
      authority: { account: { homePage: SYSTEM_HOMEPAGE } },
      timestamp: new Date(state!.validatedAt!).toISOString(),
    });
    expect(s.object.id).toBe('https://example.com/frameworks/safety/competencies/hazards');
    const ext = s.context.extensions;
    expect((ext[EXT_TLA_EVIDENCE] as Array<{ id: string }>).map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(ext[EXT_TLA_CONFIDENCE]).toBeGreaterThan(0.6);
    expect(ext[EXT_TLA_CONFIDENCE]).toBeLessThanOrEqual(1);
    expect(ext[EXTENSIONS.score] as number).toBeCloseTo(state!.score, 6);
    expect(ext[EXTENSIONS.evidenceCount]).toBe(3);
    expect(ext[EXTENSIONS.validUntil]).toBe(new Date(state!.validUntil!).toISOString());
    expect(ext[EXTENSIONS.level]).toBe('basic');

    // A late statement that moves the replayed start of the same validation is not a new one.
    await xapi(lrs.app).post('/xapi/statements').send(quiz('olga', 0.9, t - DAY)).expect(200);
    await waitSettled(lrs, worker);
    const moved = await statesRepository(lrs.container.db).get('default', 1, { learnerId, frameworkId: FW, competencyId: 'hazards' });
    expect(moved!.validatedAt).not.toBe(state!.validatedAt);
    expect(await statementsWith(VERB_ASSERTED, 'mailto:olga@example.com')).toHaveLength(1);

    // Processing the same statements again (a retried job) writes nothing new.
    await lrs.container.db.collection('statements').updateMany({ id: { $in: ids } }, { $set: { toScore: true } });
    for (const id of ids) await scoreStatement(worker.pipeline, { store: 'default', statementId: id });
    await waitSettled(lrs, worker);
    expect(await statementsWith(VERB_ASSERTED, 'mailto:olga@example.com')).toHaveLength(1);
    // The written-back statement was stored already scored (no job) and produced no evidence.
    const own = await lrs.container.db.collection('statements').findOne({ id: s.id });
    expect(own?.toScore).toBe(false);
    expect(await lrs.container.scoring.queue.getJob(scoringJobId('default', s.id as string))).toBeUndefined();
    expect(await evidenceRepository(lrs.container.db).collection.countDocuments({ statementId: s.id })).toBe(0);
  });

  it('stores one "expired" statement when the sweep finds the validation ran out', async () => {
    const learnerId = 'implicit:mbox:mailto:olga@example.com';
    const cell = { learnerId, frameworkId: FW, competencyId: 'hazards' };
    const state = await statesRepository(lrs.container.db).get('default', 1, cell);
    const after = new Date(state!.validUntil! + 60_000);
    await worker.sweepOnce(after);
    await waitSettled(lrs, worker);
    await worker.sweepOnce(after);
    await waitSettled(lrs, worker);
    const expired = await statementsWith(VERB_EXPIRED, 'mailto:olga@example.com');
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({
      id: writebackStatementId({ store: 'default', learnerId, frameworkId: FW, competencyId: 'hazards', kind: 'expired', at: state!.validUntil! }),
      timestamp: new Date(state!.validUntil!).toISOString(),
      object: { id: competencyIri(FW, 'hazards') },
    });
    expect(expired[0]!.context.extensions[EXTENSIONS.level]).toBe('basic');
    // The stored state now says what is true after expiry.
    expect(await statesRepository(lrs.container.db).get('default', 1, cell)).toMatchObject({ validated: false, validUntil: state!.validUntil });
  });
});

describe('relinking a learner', () => {
  let lrs: TestLrs;
  let worker: CompetencyWorker;
  beforeAll(async () => {
    lrs = await startTestLrs();
    await saveDefinitions(lrs);
    worker = await startWorker(lrs);
  });
  afterAll(async () => {
    await worker.close();
    await lrs.close();
  });

  it('moves the evidence of implicit learners to the learner who claims their identities, with the same states', async () => {
    const t = Date.now() - 3 * DAY;
    await xapi(lrs.app).post('/xapi/statements').send([quiz('pia', 0.9, t), quiz('pia', 0.6, t + 1000)]).expect(200);
    await xapi(lrs.app).post('/xapi/statements').send([{ ...quiz('pia', 0.8, t + 2000), actor: { objectType: 'Agent', account: { homePage: 'https://hr.example.com', name: 'pia.k' } } }]).expect(200);
    await waitScored(lrs);
    const states = statesRepository(lrs.container.db);
    const mboxKey = 'mbox:mailto:pia@example.com';
    const accountKey = 'account:https://hr.example.com|pia.k';
    const beforeMbox = await states.get('default', 1, { learnerId: `implicit:${mboxKey}`, frameworkId: FW, competencyId: 'hazards' });
    expect(beforeMbox).toMatchObject({ evidenceCount: 2 });

    const result = await relinkLearner(worker.pipeline, { store: 'default', learnerId: 'pia', identities: [mboxKey, accountKey], attributes: { name: 'Pia K.' } });
    expect(result.absorbed.sort()).toEqual([`implicit:${accountKey}`, `implicit:${mboxKey}`]);
    expect(await states.get('default', 1, { learnerId: `implicit:${mboxKey}`, frameworkId: FW, competencyId: 'hazards' })).toBeNull();
    const merged = await states.get('default', 1, { learnerId: 'pia', frameworkId: FW, competencyId: 'hazards' });
    expect(merged).toMatchObject({ learnerId: 'pia', evidenceCount: 3 });
    const rows = await evidenceRepository(lrs.container.db).forCell('default', 1, { learnerId: 'pia', frameworkId: FW, competencyId: 'hazards' });
    expect(rows).toHaveLength(3);
    expect(await learnersRepository(lrs.container.db).findById('default', `implicit:${mboxKey}`)).toBeNull();

    // Later statements of either identity count for the learner directly; relinking again changes nothing.
    await xapi(lrs.app).post('/xapi/statements').send(quiz('pia', 1, t + 3000)).expect(200);
    await waitScored(lrs);
    const later = await states.get('default', 1, { learnerId: 'pia', frameworkId: FW, competencyId: 'hazards' });
    expect(later!.evidenceCount).toBe(4);
    await relinkLearner(worker.pipeline, { store: 'default', learnerId: 'pia', identities: [mboxKey, accountKey] });
    expect(essence(await states.get('default', 1, { learnerId: 'pia', frameworkId: FW, competencyId: 'hazards' }))).toEqual(essence(later));
  });
});
