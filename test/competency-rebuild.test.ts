import { randomUUID } from 'node:crypto';
import type { MappingRule } from '../src/engine';
import { runAdmin } from '../src/cli/admin';
import { rebuildStore, type RebuildProgress } from '../src/competency/rebuild';
import { generationsRepository } from '../src/competency/generations.repository';
import type { StateDoc } from '../src/competency/states.repository';
import type { CompetencyWorker } from '../src/competency/competency-worker';
import { startTestLrs, xapi, type TestLrs } from './helpers/test-lrs';
import { DAY, essence, observation, quiz, RULES, saveDefinitions, scenario, startWorker, voiding, waitFor, waitScored } from './helpers/competency-fixtures';

/** The rules after an author's change: quizzes weigh double, scenarios are read more leniently, observations count for hazards too. */
const RULES_V2: MappingRule[] = [
  { ...RULES[0]!, produce: [{ ...RULES[0]!.produce[0]!, weight: 2 }] },
  { ...RULES[1]!, produce: [{ competencyId: 'hazards', sourceKind: 'scenario', value: { from: 'choice-table', table: { good: 0.9, risky: 0.6, bad: 0.1 } } }, RULES[1]!.produce[1]!] },
  { ...RULES[2]!, produce: [...RULES[2]!.produce, { competencyId: 'hazards', sourceKind: 'observation', value: { from: 'success' } }] },
];

const t0 = Date.now() - 30 * DAY;
const VOIDED = quiz('max', 0, t0 + 3 * DAY);
/** History shared by both stores: same ids, same timestamps. */
const HISTORY: Array<Record<string, unknown>> = [
  quiz('lia', 0.8, t0), quiz('lia', 0.9, t0 + DAY), scenario('lia', 'risky', t0 + 2 * DAY), observation('lia', true, t0 + 3 * DAY), quiz('lia', 0.7, t0 + 4 * DAY),
  quiz('max', 0.5, t0), scenario('max', 'good', t0 + DAY), VOIDED, observation('max', false, t0 + 4 * DAY), observation('max', true, t0 + 5 * DAY),
  scenario('noa', 'bad', t0), scenario('noa', 'good', t0 + DAY), quiz('noa', 1, t0 + 2 * DAY),
  voiding(VOIDED.id as string),
];

async function allStates(lrs: TestLrs, generation: number): Promise<Record<string, unknown>> {
  const docs = await lrs.container.db.collection<StateDoc>('competency_states').find({ store: 'default', generation, evidenceCount: { $gt: 0 } }).toArray();
  return Object.fromEntries(docs.map((d) => [`${d.learnerId} ${d.competencyId}`, essence(d)]).sort());
}

async function allRollups(lrs: TestLrs, generation: number): Promise<Record<string, unknown>> {
  const docs = await lrs.container.db.collection('competency_rollups').find({ store: 'default', generation }).toArray();
  return Object.fromEntries(docs.map((d) => [`${d.learnerId} ${d.competencyId}`, { score: d.score, level: d.level, validated: d.validated, validatedLevel: d.validatedLevel, missing: d.missing }]).sort());
}

async function postAll(lrs: TestLrs, statements: Array<Record<string, unknown>>): Promise<void> {
  for (const s of statements) await xapi(lrs.app).post('/xapi/statements').send(s).expect(200);
}

describe('rebuilding a store after its rules changed', () => {
  let a: TestLrs;
  let b: TestLrs;
  let workerA: CompetencyWorker;
  let workerB: CompetencyWorker;
  const late = quiz('lia', 0.95, t0 + 6 * DAY);

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestLrs(), startTestLrs()]);
    await saveDefinitions(a);
    await saveDefinitions(b, { rules: RULES_V2 });
    [workerA, workerB] = await Promise.all([startWorker(a), startWorker(b)]);
  });
  afterAll(async () => {
    await Promise.all([workerA.close(), workerB.close()]);
    await Promise.all([a.close(), b.close()]);
  });

  it('gives the same states as scoring the history from scratch, and switches only when done', async () => {
    await postAll(a, HISTORY);
    await waitScored(a);
    const before = await allStates(a, 1);
    await saveDefinitions(a, { rules: RULES_V2 });

    const seen: Array<RebuildProgress & { active: number; oldStates: number }> = [];
    let postedLive = false;
    const result = await rebuildStore(workerA.pipeline, {
      store: 'default',
      batchSize: 4,
      settleMs: 0,
      graceMs: 50,
      onProgress: async (p) => {
        const { active } = await generationsRepository(a.container.db).peek('default');
        seen.push({ ...p, active, oldStates: Object.keys(await allStates(a, 1)).length });
        if (p.phase === 'scoring' && !postedLive) {
          // A statement arriving mid-rebuild: live scoring writes it to both generations.
          postedLive = true;
          await postAll(a, [late]);
          await waitScored(a);
        }
      },
    });
    expect(result).toMatchObject({ generation: 2, previous: 1 });
    // Readers kept the old generation, complete, until the switch.
    for (const p of seen.filter((s) => s.phase !== 'done')) expect(p).toMatchObject({ active: 1, oldStates: Object.keys(before).length });
    expect(seen.at(-1)).toMatchObject({ phase: 'done', active: 2 });
    expect(seen.map((s) => s.done)).toEqual([...seen.map((s) => s.done)].sort((x, y) => x - y));

    // The same history (and the live statement) scored from scratch under the new rules.
    await postAll(b, [...HISTORY, late]);
    await waitScored(b);
    const rebuilt = await allStates(a, 2);
    expect(rebuilt).toEqual(await allStates(b, 1));
    expect(rebuilt).not.toEqual(before);
    expect(await allRollups(a, 2)).toEqual(await allRollups(b, 1));
    // The old generation is gone.
    expect(await a.container.db.collection('evidence').countDocuments({ store: 'default', generation: 1 })).toBe(0);
    expect(await a.container.db.collection('competency_states').countDocuments({ store: 'default', generation: 1 })).toBe(0);
  });

  it('runs as a queued job from the admin tool, with a progress bar, and changes nothing when rules did not change', async () => {
    const before = await allStates(a, 2);
    const out: string[] = [];
    const err: string[] = [];
    const env = { MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB: a.dbName, REDIS_URL: a.container.config.redisUrl, LRS_QUEUE_PREFIX: a.container.config.queuePrefix };
    const code = await runAdmin(['rebuild', '--store', 'default', '--timeout', '60'], env, { log: (l) => out.push(l), error: (l) => err.push(l) });
    expect(err.join('\n')).not.toMatch(/failed/);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/\[=+\] 100%/);
    expect(out.at(-1)).toMatch(/generation 3 is live \(was 2\)/);
    expect(await allStates(a, 3)).toEqual(before);
  });

  it('lists failed jobs of a store and retries them from the admin tool', async () => {
    const queue = a.container.scoring.queue;
    const missing = randomUUID();
    await queue.add('score', { store: 'default', statementId: missing }, { jobId: `default__${missing}`, attempts: 3 });
    await waitFor('the job to fail', async () => (await queue.getJobState(`default__${missing}`)) === 'failed');
    const env = { MONGODB_URI: process.env.MONGODB_URI, MONGODB_DB: a.dbName, REDIS_URL: a.container.config.redisUrl, LRS_QUEUE_PREFIX: a.container.config.queuePrefix };
    const out: string[] = [];
    expect(await runAdmin(['failed-jobs', '--store', 'default'], env, { log: (l) => out.push(l), error: () => undefined })).toBe(0);
    expect(out.join('\n')).toContain(`score-statements\tdefault__${missing}\tdefault\t${missing}\tattempts=1\tpermanent\tstatement ${missing} is not stored`);
    const none: string[] = [];
    await runAdmin(['failed-jobs', '--store', 'elsewhere'], env, { log: (l) => none.push(l), error: () => undefined });
    expect(none).toEqual([]);
    const retried: string[] = [];
    expect(await runAdmin(['retry-failed', '--store', 'default'], env, { log: (l) => retried.push(l), error: () => undefined })).toBe(0);
    expect(retried).toEqual(['1 failed scoring job(s) retried']);
  });
});
