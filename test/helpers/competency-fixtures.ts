import { randomUUID } from 'node:crypto';
import { createLogger } from '../../src/logger';
import { validateFramework, validateMappingRules, type CompetencyState, type Framework, type MappingRule } from '../../src/engine';
import { definitionsRepository } from '../../src/competency/definitions.repository';
import { startCompetencyWorker, type CompetencyWorker, type CompetencyWorkerOptions } from '../../src/competency/competency-worker';
import type { WorkerConfig } from '../../src/competency/worker-config';
import type { TestLrs } from './test-lrs';

export const DAY = 86_400_000;
export const QUIZ_VERB = 'http://adlnet.gov/expapi/verbs/passed';
export const ANSWERED = 'http://adlnet.gov/expapi/verbs/answered';
export const OBSERVED = 'https://example.com/verbs/observed';
export const ASSESSMENT = 'http://adlnet.gov/expapi/activities/assessment';

const levels = { levels: [{ id: 'basic', threshold: 0.4 }, { id: 'proficient', threshold: 0.7 }] };

/**
 * A small framework: `safety` rolls up `hazards` (knowledge checks and scenarios; 3 items, 80 %
 * certainty; valid a year) and `ppe` (scenarios and observations; 2 items).
 */
export const FRAMEWORK: Framework = {
  id: 'https://example.com/frameworks/safety',
  version: '1',
  title: 'Workplace safety',
  roles: [{ id: 'operator', title: 'Operator', requirements: [{ competencyId: 'hazards', targetLevel: 'basic' }] }],
  competencies: [
    { id: 'safety', title: 'Safety', scale: levels, rollup: { mode: 'all-children' } },
    { id: 'hazards', title: 'Spots hazards', parentId: 'safety', scale: levels, validationRule: { minEvidence: 3, minCertainty: 0.8 }, reassessmentIntervalDays: 365 },
    { id: 'ppe', title: 'Uses protective equipment', parentId: 'safety', scale: levels, validationRule: { minEvidence: 2, minCertainty: 0.5 } },
  ],
};

export const RULES: MappingRule[] = [
  { id: 'quiz', match: { activityTypes: [ASSESSMENT] }, produce: [{ competencyId: 'hazards', sourceKind: 'knowledge-check', value: { from: 'score.scaled' } }] },
  {
    id: 'scenario',
    match: { verbIds: [ANSWERED], interactionTypes: ['choice'] },
    produce: [
      { competencyId: 'hazards', sourceKind: 'scenario', value: { from: 'choice-table', table: { good: 1, risky: 0.3, bad: 0 } } },
      { competencyId: 'ppe', sourceKind: 'scenario', value: { from: 'choice-table', table: { good: 1, risky: 0.5, bad: 0 } } },
    ],
  },
  { id: 'observation', match: { verbIds: [OBSERVED] }, produce: [{ competencyId: 'ppe', sourceKind: 'observation', value: { from: 'success' } }] },
];

export async function saveDefinitions(lrs: TestLrs, opts: { store?: string; framework?: Framework; rules?: MappingRule[] } = {}): Promise<void> {
  const framework = opts.framework ?? FRAMEWORK;
  const rules = opts.rules ?? RULES;
  const problems = [...validateFramework(framework), ...validateMappingRules(rules, framework)];
  if (problems.length > 0) throw new Error(`test definitions are invalid: ${JSON.stringify(problems)}`);
  const defs = definitionsRepository(lrs.container.db);
  await defs.ensureIndexes();
  await defs.saveFramework(opts.store ?? 'default', framework, new Date());
  await defs.saveRules(opts.store ?? 'default', framework.id, rules, new Date());
}

export const FAST_WORKER: WorkerConfig = Object.freeze({
  concurrency: 8,
  sweepIntervalMs: 0,
  sweepScanIntervalMs: 0,
  sweepMinAgeMs: 0,
  sweepBatch: 1000,
  scoringSetTtlMs: 0,
  lockDurationMs: 30_000,
});

/** A real competency worker on the test LRS's database, Redis and queue prefix. */
export function startWorker(lrs: TestLrs, extra: Partial<CompetencyWorkerOptions> = {}): Promise<CompetencyWorker> {
  return startCompetencyWorker({
    db: lrs.container.db,
    statementsService: lrs.container.statements.store,
    redisUrl: lrs.container.config.redisUrl,
    queuePrefix: lrs.container.config.queuePrefix,
    worker: FAST_WORKER,
    logger: createLogger('silent'),
    rebuild: { graceMs: 50 },
    ...extra,
  });
}

export function agent(name: string) {
  return { objectType: 'Agent', name, mbox: `mailto:${name}@example.com` };
}

export function quiz(who: string, scaled: number, at: number, id: string = randomUUID()): Record<string, unknown> {
  return {
    id,
    actor: agent(who),
    verb: { id: QUIZ_VERB, display: { 'en-US': 'passed' } },
    object: { objectType: 'Activity', id: `https://example.com/quizzes/${id}`, definition: { type: ASSESSMENT } },
    result: { score: { scaled } },
    timestamp: new Date(at).toISOString(),
  };
}

export function scenario(who: string, choice: string, at: number, id: string = randomUUID()): Record<string, unknown> {
  return {
    id,
    actor: agent(who),
    verb: { id: ANSWERED, display: { 'en-US': 'answered' } },
    object: { objectType: 'Activity', id: 'https://example.com/scenarios/forklift', definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction', interactionType: 'choice', choices: [{ id: 'good', description: { 'en-US': 'Stop' } }, { id: 'risky', description: { 'en-US': 'Slow down' } }, { id: 'bad', description: { 'en-US': 'Go' } }] } },
    result: { response: choice },
    timestamp: new Date(at).toISOString(),
  };
}

export function observation(who: string, success: boolean, at: number, id: string = randomUUID()): Record<string, unknown> {
  return {
    id,
    actor: agent(who),
    verb: { id: OBSERVED, display: { 'en-US': 'observed' } },
    object: { objectType: 'Activity', id: 'https://example.com/indicators/wears-ppe' },
    result: { success },
    context: { instructor: { objectType: 'Agent', name: 'Manager', mbox: 'mailto:manager@example.com' } },
    timestamp: new Date(at).toISOString(),
  };
}

export function voiding(target: string, who = 'admin'): Record<string, unknown> {
  return { id: randomUUID(), actor: agent(who), verb: { id: 'http://adlnet.gov/expapi/verbs/voided', display: { 'en-US': 'voided' } }, object: { objectType: 'StatementRef', id: target } };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no statement of the database is marked to score. */
export function waitScored(lrs: TestLrs, timeoutMs = 20_000): Promise<true> {
  return waitFor('every statement scored', async () => (await lrs.container.db.collection('statements').countDocuments({ toScore: true })) === 0, timeoutMs);
}

/** Waits until every statement is scored and every write-back statement stored. */
export async function waitSettled(lrs: TestLrs, worker: CompetencyWorker, timeoutMs = 20_000): Promise<void> {
  await waitScored(lrs, timeoutMs);
  await waitFor('write-backs stored', async () => {
    const c = await worker.writebackQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).every((n) => n === 0);
  }, timeoutMs);
  await waitScored(lrs, timeoutMs);
}

/** The parts of a state that scoring determines (not when or by which job it was computed). */
export function essence(s: CompetencyState | null | undefined): Record<string, unknown> | null {
  if (!s) return null;
  return {
    competencyId: s.competencyId,
    alpha: round(s.alpha),
    beta: round(s.beta),
    score: round(s.score),
    interval: s.interval.map(round),
    level: s.level,
    evidenceCount: s.evidenceCount,
    validated: s.validated,
    validatedLevel: s.validatedLevel,
    validatedAt: s.validatedAt,
    validUntil: s.validUntil,
    firstReachedAt: s.firstReachedAt,
    firstValidatedAt: s.firstValidatedAt,
    validations: s.validations,
    lastObservedAt: s.lastObservedAt,
  };
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
