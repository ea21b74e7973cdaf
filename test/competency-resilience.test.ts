import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { computeState } from '../src/engine';
import { statesRepository } from '../src/competency/states.repository';
import { evidenceRepository } from '../src/competency/evidence.repository';
import { scoringJobId } from '../src/queue/scoring-queue';
import type { CompetencyWorker } from '../src/competency/competency-worker';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { DAY, essence, FAST_WORKER, FRAMEWORK, quiz, saveDefinitions, startWorker, waitFor, waitScored } from './helpers/competency-fixtures';

const hazards = (name: string) => ({ learnerId: `implicit:mbox:mailto:${name}@example.com`, frameworkId: FRAMEWORK.id, competencyId: 'hazards' });

/** The stored state equals the engine's state over the live evidence, each statement counted once. */
async function expectScoredOnce(lrs: TestLrs, name: string, statementIds: string[]): Promise<void> {
  const rows = await evidenceRepository(lrs.container.db).forCell('default', 1, hazards(name));
  expect(rows.map((r) => r.statementId).sort()).toEqual([...statementIds].sort());
  const stored = await statesRepository(lrs.container.db).get('default', 1, hazards(name));
  const expected = computeState({ competency: FRAMEWORK.competencies[1]!, learnerId: hazards(name).learnerId, evidence: rows, now: stored!.asOf });
  expect(essence(stored)).toEqual(essence(expected));
  expect(stored!.evidenceCount).toBe(statementIds.length);
}

describe('a worker that dies mid-job', () => {
  // A queue of its own per test: BullMQ's stalled-job check is throttled queue-wide by the
  // interval of the last worker that ran it.
  let lrs: TestLrs;
  beforeEach(async () => {
    lrs = await startTestLrs();
    await saveDefinitions(lrs);
  });
  afterEach(async () => { await lrs.close(); });

  it('still scores the statement exactly once when the job fails after writing evidence', async () => {
    let crashes = 0;
    let target = '';
    const worker = await startWorker(lrs, {
      afterEvidence: async ({ statementId }) => {
        if (statementId === target && crashes === 0) {
          crashes++;
          throw new Error('simulated crash between evidence and states');
        }
      },
    });
    try {
      const t = Date.now() - DAY;
      const first = quiz('ivy', 0.9, t);
      target = first.id as string;
      const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([first, quiz('ivy', 0.8, t + 1000), quiz('ivy', 0.7, t + 2000)]).expect(200)).body;
      await waitScored(lrs);
      expect(crashes).toBe(1);
      const job = await lrs.container.scoring.queue.getJob(scoringJobId('default', target));
      expect(job?.attemptsMade).toBe(2);
      await expectScoredOnce(lrs, 'ivy', ids);
    } finally {
      await worker.close();
    }
  });

  it('hands the job of a worker closed forcibly to another worker, which finishes it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => { release = r; });
    let reached = false;
    const t = Date.now() - DAY;
    const stuck = quiz('jon', 0.6, t);
    const fast = { ...FAST_WORKER, lockDurationMs: 1000 };
    const bullmq = { stalledInterval: 300 };
    const first = await startWorker(lrs, {
      worker: fast,
      bullmq,
      afterEvidence: async ({ statementId }) => {
        if (statementId === stuck.id) {
          reached = true;
          await gate;
        }
      },
    });
    const ids: string[] = (await xapi(lrs.app).post('/xapi/statements').send([stuck, quiz('jon', 0.9, t + 1000)]).expect(200)).body;
    await waitFor('the job to hang after writing evidence', async () => reached);
    await first.close(true);
    const second: CompetencyWorker = await startWorker(lrs, { worker: fast, bullmq });
    try {
      await waitScored(lrs);
      await expectScoredOnce(lrs, 'jon', ids);
      // The first worker's job wakes up late (a zombie): its writes change nothing.
      release();
      await new Promise((r) => setTimeout(r, 300));
      await expectScoredOnce(lrs, 'jon', ids);
    } finally {
      release();
      await second.close();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return waitFor('redis-server to answer', () => new Promise<ChildProcess | false>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(child); });
    s.on('error', () => resolve(false));
  }), 10_000);
}

describe('Redis restarted during ingestion', () => {
  let redis: ChildProcess;
  let port: number;
  let lrs: TestLrs;
  let worker: CompetencyWorker;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    lrs = await startTestLrs({ REDIS_URL: `redis://127.0.0.1:${port}` });
    await saveDefinitions(lrs);
    worker = await startWorker(lrs);
  });
  afterAll(async () => {
    await worker.close(true);
    await lrs.close();
    redis.kill('SIGKILL');
  });

  it('stores statements while Redis is down and scores them all once it is back, by the sweep', async () => {
    const t = Date.now() - 2 * DAY;
    const before: string[] = (await xapi(lrs.app).post('/xapi/statements').send([quiz('kim', 0.9, t), quiz('kim', 0.8, t + 1000)]).expect(200)).body;
    await waitScored(lrs);

    const exited = new Promise((r) => redis.once('exit', r));
    redis.kill('SIGKILL');
    await exited;
    const during: string[] = [];
    for (let i = 0; i < 5; i++) {
      // The producer never fails a stored write: 200, and the statements stay marked to score.
      const res = await xapi(lrs.app).post('/xapi/statements').send(quiz('kim', 0.5 + i / 10, t + 10_000 + i * 1000)).expect(200);
      during.push(...(res.body as string[]));
    }
    expect(await lrs.container.db.collection('statements').countDocuments({ id: { $in: during }, toScore: true })).toBe(5);

    // Back, empty (no persistence): the queue lost nothing that mattered, MongoDB has the marks.
    redis = await startRedis(port);
    await waitFor('the worker to reconnect', async () => (await worker.scoring.client.then((c) => (c as unknown as { ping(): Promise<string> }).ping()).catch(() => 'down')) === 'PONG');
    // A sweep that does not read MongoDB for marked statements (most interval sweeps) finds none.
    expect((await worker.sweepOnce(undefined, { scan: false })).find((r) => r.store === 'default')).toMatchObject({ scanned: false, enqueued: 0 });
    const reports = await worker.sweepOnce();
    expect(reports.find((r) => r.store === 'default')).toMatchObject({ scanned: true, enqueued: 5 });
    await waitScored(lrs);
    await expectScoredOnce(lrs, 'kim', [...before, ...during]);

    // A second sweep finds nothing left to do.
    const again = await worker.sweepOnce();
    expect(again.find((r) => r.store === 'default')).toMatchObject({ enqueued: 0, requeued: 0, retried: 0 });
  });
});
