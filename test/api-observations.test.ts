import { randomUUID } from 'node:crypto';
import { scoringJobId } from '../src/queue/scoring-queue';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc, sampleFramework } from './helpers/api-fixtures';
import {
  RELEVANT_TYPE_ASSESSOR, VERB_DEMONSTRATED, ACTIVITY_TYPE_INDICATOR, OBSERVATION_TEMPLATE, competencyIri, indicatorIri,
} from '../src/api/observations/observation-vocabulary';

let lrs: TestLrs;
const fw = sampleFramework(`https://example.com/frameworks/obs-${randomUUID().slice(0, 8)}`);
const learnerEmail = `mailto:${randomUUID().slice(0, 8)}@example.com`;
const learnerId = `obs-learner-${randomUUID().slice(0, 8)}`;
const manager = { objectType: 'Agent', name: 'Grace Manager', mbox: 'mailto:grace@example.com' };

beforeAll(async () => {
  lrs = await startTestLrs();
  await api(lrs.app).put(`/api/frameworks/${enc(fw.id)}`).send(fw).expect(201);
  await api(lrs.app).put(`/api/learners/${learnerId}`).send({ name: 'Ada', identities: [{ mbox: learnerEmail }] }).expect(201);
});
afterAll(async () => { await lrs.close(); });

const observation = (overrides: Record<string, unknown> = {}) => ({
  assessor: manager,
  learner: learnerId,
  frameworkId: fw.id,
  competencyId: 'listening',
  indicatorId: 'open-questions',
  rating: 'proficient',
  note: 'Asked three open questions before proposing anything.',
  ...overrides,
});

describe('POST /api/observations', () => {
  it('stores the observation as an xAPI statement with the assessor in context, retrievable through /xapi', async () => {
    const res = await api(lrs.app).post('/api/observations').send(observation({ observedAt: '2024-05-02T10:30:00Z' })).expect(201);
    const { statementId } = res.body;
    expect(statementId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = (await xapi(lrs.app).get(`/xapi/statements?statementId=${statementId}`).expect(200)).body;
    expect(stored).toMatchObject({
      id: statementId,
      version: '2.0.0',
      actor: { objectType: 'Agent', mbox: learnerEmail, name: 'Ada' },
      verb: { id: VERB_DEMONSTRATED },
      object: { objectType: 'Activity', id: indicatorIri(fw.id, 'listening', 'open-questions'), definition: { type: ACTIVITY_TYPE_INDICATOR, name: { 'en-US': 'Asks open questions' } } },
      result: { score: { scaled: 0.8, raw: 2, min: 1, max: 3 }, response: 'Asked three open questions before proposing anything.' },
      context: {
        instructor: manager,
        contextAgents: [{ objectType: 'contextAgent', agent: manager, relevantTypes: [RELEVANT_TYPE_ASSESSOR] }],
        contextActivities: {
          parent: [expect.objectContaining({ id: competencyIri(fw.id, 'listening') })],
          category: [expect.objectContaining({ id: OBSERVATION_TEMPLATE })],
        },
      },
      timestamp: '2024-05-02T10:30:00.000Z',
      authority: expect.objectContaining({ objectType: 'Agent' }),
    });
    // It enters the scoring pipeline like any statement: queued under its id.
    await lrs.container.scoring.drain();
    const job = await lrs.container.scoring.queue.getJob(scoringJobId('default', statementId));
    expect(job?.data).toEqual({ store: 'default', statementId, oid: expect.stringMatching(/^[0-9a-f]{24}$/) });
  });

  it('takes the learner as an xAPI Agent and a numeric rating, with an attachment by fileUrl', async () => {
    const agent = { objectType: 'Agent', account: { homePage: 'https://lms.example.com', name: `u-${randomUUID().slice(0, 8)}` } };
    const sha2 = 'a'.repeat(64);
    const res = await api(lrs.app).post('/api/observations').send(observation({
      learner: agent, rating: 0.35, indicatorId: 'summarises', note: undefined,
      attachment: { fileUrl: 'https://files.example.com/obs/1.pdf', contentType: 'application/pdf', length: 1234, sha2, display: 'Observation form' },
    })).expect(201);
    const stored = (await xapi(lrs.app).get(`/xapi/statements?statementId=${res.body.statementId}`).expect(200)).body;
    expect(stored.actor).toEqual(agent);
    expect(stored.result.score).toEqual({ scaled: 0.35 });
    expect(stored.result.response).toBeUndefined();
    expect(stored.attachments).toEqual([expect.objectContaining({ fileUrl: 'https://files.example.com/obs/1.pdf', sha2, length: 1234, contentType: 'application/pdf', display: { 'en-US': 'Observation form' } })]);
  });

  it('answers 400 naming each problem, and stores nothing', async () => {
    const before = (await xapi(lrs.app).get(`/xapi/statements?verb=${enc(VERB_DEMONSTRATED)}&limit=0`).expect(200)).body.statements.length;
    const res = await api(lrs.app).post('/api/observations').send(observation({ indicatorId: 'juggles', rating: 'wizard', assessor: { mbox: 'grace@example.com' } })).expect(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'indicatorId', message: expect.stringContaining('open-questions, summarises') }),
      expect.objectContaining({ path: 'rating', message: expect.stringContaining('basic, proficient, expert') }),
      expect.objectContaining({ path: 'assessor.mbox' }),
    ]));
    const schema = await api(lrs.app).post('/api/observations').send({ assessor: manager, rating: 2, extra: true }).expect(400);
    expect(schema.body.error.details.problems).toEqual(expect.arrayContaining([
      { path: 'learner', message: 'is required' },
      { path: 'frameworkId', message: 'is required' },
      { path: 'extra', message: 'is not a known property' },
      { path: 'rating', message: expect.stringContaining('a number from 0 to 1') },
    ]));
    const refs = await api(lrs.app).post('/api/observations').send(observation({ learner: 'nobody', frameworkId: 'https://example.com/none' })).expect(400);
    expect(refs.body.error.details.problems).toEqual(expect.arrayContaining([
      { path: 'learner', message: 'no learner "nobody" in this store' },
      expect.objectContaining({ path: 'frameworkId' }),
    ]));
    const self = await api(lrs.app).post('/api/observations').send(observation({ assessor: { mbox: learnerEmail } })).expect(400);
    expect(self.body.error.details.problems).toEqual([expect.objectContaining({ path: 'assessor', message: expect.stringContaining('other than the learner') })]);
    const group = await api(lrs.app).post('/api/observations').send(observation({ assessor: { objectType: 'Group', mbox: 'mailto:team@example.com', member: [] } })).expect(400);
    expect(group.body.error.details.problems).toEqual([{ path: 'assessor', message: 'must be an Agent, not a Group' }]);
    const after = (await xapi(lrs.app).get(`/xapi/statements?verb=${enc(VERB_DEMONSTRATED)}&limit=0`).expect(200)).body.statements.length;
    expect(after).toBe(before);
  });

  it('needs competency/write, and records observations only in the caller\'s store', async () => {
    await api(lrs.app, await credential(lrs, ['competency/read'])).post('/api/observations').send(observation()).expect(403);
    await api(lrs.app, await credential(lrs, ['statements/write'])).post('/api/observations').send(observation()).expect(403);
    const other = await credential(lrs, ['competency/write'], 'obs-other');
    const res = await api(lrs.app, other).post('/api/observations').send(observation()).expect(400);
    expect(res.body.error.details.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'learner' }), expect.objectContaining({ path: 'frameworkId' })]));
    const ok = await api(lrs.app, await credential(lrs, ['competency/write'])).post('/api/observations').send(observation()).expect(201);
    await xapi(lrs.app).get(`/xapi/statements?statementId=${ok.body.statementId}`).expect(200);
  });
});
