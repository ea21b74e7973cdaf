import { startTestLrs, statement, xapi, type TestLrs } from './helpers/test-lrs';
import { jobStatements, packJobs, scoringJobId } from '../src/queue/scoring-queue';
import type { Job } from 'bullmq';
import { competencyPipeline } from '../src/competency/competency-pipeline';
import { sweepStore } from '../src/competency/sweep';
import { writebacksRepository } from '../src/competency/writebacks.repository';
import { createLogger } from '../src/logger';

async function waitForJob(lrs: TestLrs, jobId: string): Promise<Job> {
  await lrs.container.scoring.drain();
  const job = await lrs.container.scoring.queue.getJob(jobId);
  if (!job) throw new Error(`no job ${jobId}`);
  return job;
}

describe('packing a window of enqueued statements into jobs', () => {
  const st = (id: string) => ({ id, oid: `${id}-oid` });
  it('keeps a request whole, fills jobs in order per store, and splits only a request larger than a job', () => {
    const jobs = packJobs([
      { store: 'a', statements: [st('1'), st('2')] },
      { store: 'b', statements: [st('3')] },
      { store: 'a', statements: [st('4')] },
      { store: 'a', statements: [st('5'), st('6')] },
      { store: 'a', statements: [st('7'), st('8'), st('9'), st('10'), st('11')] },
    ], 3);
    expect(jobs.map((j) => [j.store, j.statements.map((s) => s.id)])).toEqual([
      ['a', ['1', '2', '4']],
      ['b', ['3']],
      ['a', ['5', '6']],
      ['a', ['7', '8', '9']],
      ['a', ['10', '11']],
    ]);
  });
  it('gives one job per statement with a maximum of one', () => {
    expect(packJobs([{ store: 'a', statements: [st('1'), st('2')] }], 1).map((j) => j.statements.map((s) => s.id))).toEqual([['1'], ['2']]);
  });
});

describe('enqueueing stored statements for scoring', () => {
  let lrs: TestLrs;
  beforeAll(async () => { lrs = await startTestLrs(); });
  afterAll(async () => { await lrs.close(); });

  it('enqueues the statements of a request as one job, named after the first, with their documents, and marks them to score', async () => {
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([statement(), statement()]).expect(200)).body;
    const queue = lrs.container.scoring.queue;
    const job = await waitForJob(lrs, scoringJobId('default', ids[0]!));
    const docs = await lrs.container.db.collection('statements').find({ store: 'default', id: { $in: ids } }).toArray();
    const oidOf = (id: string) => docs.find((d) => d.id === id)?._id.toHexString();
    expect(job.data).toEqual({ store: 'default', statementId: ids[0], oid: oidOf(ids[0]!), more: [{ id: ids[1], oid: oidOf(ids[1]!) }] });
    // No job of its own for the second statement: it is in the first one's.
    expect(await queue.getJob(scoringJobId('default', ids[1]!))).toBeUndefined();
    expect(docs.filter((d) => d.toScore === true)).toHaveLength(2);
  });

  it('enqueues requests stored within the linger window together, in one job per store', async () => {
    const bodies = [statement(), statement(), statement()];
    const ids: string[] = (await Promise.all(bodies.map((b) => xapi(lrs.app).post('/xapi/statements').send(b).expect(200)))).flatMap((r) => r.body as string[]);
    const queue = lrs.container.scoring.queue;
    await lrs.container.scoring.drain();
    const jobs = (await queue.getJobs(['waiting', 'delayed', 'active', 'completed'])).filter((j) => jobStatements(j.data).some((s) => ids.includes(s.id)));
    // Every statement is in exactly one job, whatever the grouping the timing gave.
    expect(jobs.flatMap((j) => jobStatements(j.data).map((s) => s.id)).sort()).toEqual([...ids].sort());
    for (const j of jobs) expect(j.id).toBe(scoringJobId('default', j.data.statementId));
  });

  it('the sweep leaves alone a statement an open job of another statement holds, and enqueues it once no job does', async () => {
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([statement(), statement()]).expect(200)).body;
    const queue = lrs.container.scoring.queue;
    await waitForJob(lrs, scoringJobId('default', ids[0]!));
    const pipeline = competencyPipeline({ db: lrs.container.db, logger: createLogger('silent') });
    const sweep = (opts: { coverScanMax?: number } = {}) => sweepStore(pipeline, { store: 'default', queue, now: new Date(Date.now() + 60_000), minAgeMs: 1000, ...opts });
    // No worker runs here: every pending statement of the store is in a waiting job.
    expect(await sweep()).toMatchObject({ enqueued: 0, deferred: 0 });
    expect(await queue.getJob(scoringJobId('default', ids[1]!))).toBeUndefined();
    // Too many open jobs to read: the second statement waits for a later sweep.
    expect((await sweep({ coverScanMax: 0 })).deferred).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob(scoringJobId('default', ids[1]!))).toBeUndefined();
    // The job is gone (Redis lost it): the sweep gives each statement a job of its own.
    await queue.remove(scoringJobId('default', ids[0]!));
    await sweep();
    for (const id of ids) expect((await queue.getJob(scoringJobId('default', id)))?.data).toMatchObject({ store: 'default', statementId: id, oid: expect.stringMatching(/^[0-9a-f]{24}$/) });
  });

  it('does not enqueue again when the same statement is sent again', async () => {
    const s = statement({ id: '4f1c2a9e-8b7d-4c3e-9a1b-2c3d4e5f6a7b' });
    await xapi(lrs.app).post('/xapi/statements').send(s).expect(200);
    await xapi(lrs.app).post('/xapi/statements').send(s).expect(200);
    await lrs.container.scoring.drain();
    const jobs = await lrs.container.scoring.queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((j) => jobStatements(j.data).some((x) => x.id === s.id))).toHaveLength(1);
  });
});

describe('with Redis unreachable', () => {
  let lrs: TestLrs;
  // Nothing listens on port 1: the queue connection fails at once.
  beforeAll(async () => { lrs = await startTestLrs({ REDIS_URL: 'redis://127.0.0.1:1' }); });
  afterAll(async () => { await lrs.close(); });

  it('still stores and acknowledges statements, leaving them marked to score', async () => {
    const marks = writebacksRepository(lrs.container.db);
    // Every API process asks for a scan when it starts; a failed enqueue asks again, later.
    const atStart = (await marks.scanRequestedAt())?.getTime() ?? 0;
    await new Promise((r) => setTimeout(r, 5));
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([statement(), statement()]).expect(200)).body;
    for (const id of ids) await xapi(lrs.app).get(`/xapi/statements?statementId=${id}`).expect(200);
    const marked = await lrs.container.db.collection('statements').countDocuments({ id: { $in: ids }, toScore: true });
    expect(marked).toBe(2);
    // And asks the workers' next sweep to read MongoDB for them.
    await lrs.container.scoring.drain();
    const later = async () => (await marks.scanRequestedAt())?.getTime() ?? 0;
    for (let i = 0; i < 50 && (await later()) <= atStart; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await later()).toBeGreaterThan(atStart);
  });
});
