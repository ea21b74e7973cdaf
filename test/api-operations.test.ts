import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import type { MappingRule } from '../src/engine';
import { SCORING_QUEUE } from '../src/queue/scoring-queue';
import { competencyIri, RELEVANT_TYPE_ASSESSOR, VERB_DEMONSTRATED } from '../src/api/observations/observation-vocabulary';
import type { CompetencyWorker } from '../src/competency/competency-worker';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { api, credential, enc, sampleFramework } from './helpers/api-fixtures';
import { startWorker, waitFor } from './helpers/competency-fixtures';

let lrs: TestLrs;
let worker: CompetencyWorker | undefined;
const fw = sampleFramework(`https://example.com/frameworks/ops-${randomUUID().slice(0, 8)}`);
const learnerId = `ops-${randomUUID().slice(0, 8)}`;
const email = `mailto:${learnerId}@example.com`;
const manager = { objectType: 'Agent', name: 'Grace', mbox: 'mailto:grace@example.com' };

/** The example rule of docs/api.md: observations of "listening" count, when an assessor made them. */
const observationRule = (): MappingRule => ({
  id: 'listening-observations',
  match: { verbIds: [VERB_DEMONSTRATED], contextActivityIds: { parent: [competencyIri(fw.id, 'listening')] } },
  produce: [{ competencyId: 'listening', sourceKind: 'observation', value: { from: 'score.scaled' } }],
  assessorFrom: ['instructor', 'context-agent'],
  assessorRelevantTypes: [RELEVANT_TYPE_ASSESSOR],
});

beforeAll(async () => {
  lrs = await startTestLrs();
  await api(lrs.app).put(`/api/frameworks/${enc(fw.id)}`).send(fw).expect(201);
  await api(lrs.app).put(`/api/frameworks/${enc(fw.id)}/rules`).send([observationRule()]).expect(201);
  await api(lrs.app).put(`/api/learners/${learnerId}`).send({ identities: [{ mbox: email }], role: 'agent' }).expect(201);
});
afterAll(async () => {
  await worker?.close();
  await lrs.close();
});

describe('failed jobs', () => {
  it('lists the store\'s failed scoring jobs with their reason, and no other store\'s', async () => {
    const { redisUrl, queuePrefix } = lrs.container.config;
    const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
    const failing = new Worker(SCORING_QUEUE, async () => { throw new UnrecoverableError('poisoned statement'); }, { connection, prefix: queuePrefix });
    const queue = new Queue(SCORING_QUEUE, { connection, prefix: queuePrefix });
    try {
      await queue.add('score', { store: 'default', statementId: 'poison-1' }, { jobId: 'default__poison-1' });
      await queue.add('score', { store: 'elsewhere', statementId: 'poison-2' }, { jobId: 'elsewhere__poison-2' });
      await waitFor('both jobs failed', async () => (await queue.getFailedCount()) >= 2);
    } finally {
      await failing.close();
      await queue.close();
      connection.disconnect();
    }
    const res = await api(lrs.app).get('/api/failed-jobs').expect(200);
    expect(res.body.failedJobs).toEqual([expect.objectContaining({ queue: SCORING_QUEUE, id: 'default__poison-1', store: 'default', statementId: 'poison-1', failedReason: 'poisoned statement', transient: false })]);
    const job = await api(lrs.app).get('/api/jobs/default__poison-1').expect(200);
    expect(job.body).toMatchObject({ id: 'default__poison-1', state: 'failed', failedReason: 'poisoned statement' });
    await api(lrs.app).get('/api/jobs/elsewhere__poison-2').expect(404);
    await api(lrs.app).get('/api/failed-jobs?limit=0').expect(400);
  });
});

describe('observations through the scoring pipeline', () => {
  it('count as observation evidence under the documented rule, with the assessor in the trail', async () => {
    worker = await startWorker(lrs);
    for (const rating of ['proficient', 'expert', 0.9]) {
      await api(lrs.app).post('/api/observations').send({ assessor: manager, learner: learnerId, frameworkId: fw.id, competencyId: 'listening', indicatorId: 'open-questions', rating }).expect(201);
    }
    const explained = await waitFor('three observations scored', async () => {
      const res = await api(lrs.app).get(`/api/learners/${learnerId}/competencies/listening?framework=${enc(fw.id)}`).expect(200);
      return res.body.state.evidenceCount === 3 ? res.body : undefined;
    });
    expect(explained.state.bySource.observation.count).toBe(3);
    expect(explained.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'counted', sourceKind: 'observation', ruleId: 'listening-observations', assessor: expect.objectContaining({ ifi: 'mbox:mailto:grace@example.com' }) })]));
  });

  it('lists a statement a rule could not evaluate under /api/skips, with the reason', async () => {
    // The same verb and competency, but nobody in context to have made the observation.
    const id = randomUUID();
    await xapi(lrs.app).post('/xapi/statements').send({
      id, actor: { mbox: email }, verb: { id: VERB_DEMONSTRATED },
      object: { id: 'https://example.com/indicators/x' }, result: { score: { scaled: 1 } },
      context: { contextActivities: { parent: [{ id: competencyIri(fw.id, 'listening') }] } },
    }).expect(200);
    const skip = await waitFor('the skip', async () => {
      const res = await api(lrs.app).get(`/api/skips?framework=${enc(fw.id)}`).expect(200);
      return res.body.skips.find((s: { statementId: string }) => s.statementId === id);
    });
    expect(skip).toMatchObject({ frameworkId: fw.id, ruleId: 'listening-observations', reason: expect.stringMatching(/assessor/) });
    const other = await credential(lrs, ['competency/read'], 'ops-other');
    expect((await api(lrs.app, other).get('/api/skips').expect(200)).body.skips).toEqual([]);
    const bad = await api(lrs.app).get('/api/skips?before=yesterday&rule=').expect(400);
    expect(bad.body.error.details.problems.map((p: { path: string }) => p.path).sort()).toEqual(['before', 'rule']);
  });
});

describe('POST /api/rebuild', () => {
  it('enqueues a rebuild of the caller\'s store and reports its progress until done', async () => {
    worker ??= await startWorker(lrs);
    const res = await api(lrs.app).post('/api/rebuild').expect(202);
    const { jobId } = res.body;
    expect(res.headers.location).toBe(`/api/jobs/${jobId}`);
    const done = await waitFor('the rebuild', async () => {
      const job = await api(lrs.app).get(`/api/jobs/${enc(jobId)}`).expect(200);
      return job.body.state === 'completed' ? job.body : undefined;
    });
    expect(done).toMatchObject({ queue: 'rebuild-store', progress: expect.objectContaining({ phase: 'done' }), result: expect.objectContaining({ store: 'default', generation: 2 }) });
    // The rebuilt generation is what /api reads now, and it has the same evidence.
    const after = await api(lrs.app).get(`/api/learners/${learnerId}/competencies/listening?framework=${enc(fw.id)}`).expect(200);
    expect(after.body.state.evidenceCount).toBe(3);
  });

  it('needs competency/admin, and shows a store only its own jobs', async () => {
    await api(lrs.app, await credential(lrs, ['competency/write'])).post('/api/rebuild').expect(403);
    const other = await credential(lrs, ['competency/admin'], 'ops-rebuild-other');
    const res = await api(lrs.app, other).post('/api/rebuild').expect(202);
    expect(res.body.jobId).not.toBe('rebuild__default');
    await api(lrs.app, other).get('/api/jobs/rebuild__default').expect(404);
    await api(lrs.app, await credential(lrs, ['competency/read'])).get('/api/jobs/rebuild__default').expect(200);
  });

  it('answers 503 when the queue (Redis) is unreachable', async () => {
    const down = await startTestLrs({ REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      const res = await api(down.app).post('/api/rebuild').expect(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      await api(down.app).get('/api/failed-jobs').expect(503);
    } finally {
      await down.close();
    }
  });
});
