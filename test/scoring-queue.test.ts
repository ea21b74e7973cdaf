import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';
import { scoringJobId } from '../src/queue/scoring-queue';

describe('enqueueing stored statements for scoring', () => {
  let lrs: TestLrs;
  beforeAll(async () => { lrs = await startTestLrs(); });
  afterAll(async () => { await lrs.close(); });

  it('enqueues one job per stored statement, keyed by store and statement id, and marks it to score', async () => {
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([statement(), statement()]).expect(200)).body;
    const queue = lrs.container.scoring.queue;
    for (let i = 0; i < 50 && ((await queue.getJobCounts('waiting')).waiting ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    for (const id of ids) {
      const job = await queue.getJob(scoringJobId('default', id));
      expect(job?.data).toEqual({ store: 'default', statementId: id });
    }
    const marked = await lrs.container.db.collection('statements').countDocuments({ store: 'default', id: { $in: ids }, toScore: true });
    expect(marked).toBe(2);
  });

  it('does not enqueue again when the same statement is sent again', async () => {
    const s = statement({ id: '4f1c2a9e-8b7d-4c3e-9a1b-2c3d4e5f6a7b' });
    await xapi(lrs.app).post('/xapi/statements').send(s).expect(200);
    await xapi(lrs.app).post('/xapi/statements').send(s).expect(200);
    await new Promise((r) => setTimeout(r, 100));
    const jobs = await lrs.container.scoring.queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((j) => j.data.statementId === s.id)).toHaveLength(1);
  });
});

describe('with Redis unreachable', () => {
  let lrs: TestLrs;
  // Nothing listens on port 1: the queue connection fails at once.
  beforeAll(async () => { lrs = await startTestLrs({ REDIS_URL: 'redis://127.0.0.1:1' }); });
  afterAll(async () => { await lrs.close(); });

  it('still stores and acknowledges statements, leaving them marked to score', async () => {
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([statement(), statement()]).expect(200)).body;
    for (const id of ids) await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200);
    const marked = await lrs.container.db.collection('statements').countDocuments({ id: { $in: ids }, toScore: true });
    expect(marked).toBe(2);
  });
});
