import { performance } from 'node:perf_hooks';
import { AppError } from '../errors/app-error';
import type { Framework, MappingRule } from '../engine';
import type { DefinitionsRepository } from '../competency/definitions.repository';
import type { AnalyticsCache } from './analytics-cache';
import type { SnapshotSource } from './snapshot-source';
import type { LearnerRow } from './analytics-snapshot';
import { indexFramework } from './framework-index';
import { encodeCursor, DEFAULT_VERBS, type AnalyticsQuery, type Endpoint } from './analytics-params';
import { iso, type AggregateContext, type Table } from './aggregates/aggregate-context';
import { reassessments, skillsMatrix } from './aggregates/skills-matrix';
import { gapLearners, gaps, readiness } from './aggregates/gaps';
import { missingFirstEvidence, timeToCompetency, TTC_KEYS } from './aggregates/time-to-competency';
import { cohorts, proficiency } from './aggregates/distribution';
import { pathCompletion, scenarioAccuracy, unresolvedScenarioStatements } from './aggregates/indicators';

export interface AnalyticsServiceDeps {
  cache: AnalyticsCache;
  source: SnapshotSource;
  definitions: DefinitionsRepository;
  now?: () => number;
}

/** What an aggregate answers: the JSON body, the CSV table, and the next page's cursor if any. */
export interface AnalyticsAnswer {
  body: Record<string, unknown>;
  table: Table;
  /** Value of the `after` parameter of the next page; absent on the last page or unpaged answers. */
  nextAfter?: string;
  /** Milliseconds spent bringing the snapshot up to date and computing (for `Server-Timing`). */
  timing: { refresh: number; compute: number };
}

type Query<E extends Endpoint> = AnalyticsQuery<E>;

/** Groups named `~none` in a drill-down are the learners without a team. */
export const NO_GROUP = '~none';

/**
 * The analytics use cases: resolve the framework and the learners in scope, make sure the
 * snapshot is current, compute one aggregate. Reads the active scoring generation only.
 */
export function analyticsService(deps: AnalyticsServiceDeps) {
  const clock = deps.now ?? Date.now;

  async function prepare(store: string, q: Query<Endpoint>, opts: { rules?: boolean; competency?: string } = {}) {
    const found = await deps.definitions.currentFramework(store, q.framework);
    if (found === null) throw new AppError('NOT_FOUND', `No framework "${q.framework}" in this store`);
    const framework: Framework = found.framework;
    const problems = [];
    if (q.role !== undefined && !framework.roles.some((r) => r.id === q.role)) problems.push({ path: 'role', message: `"${q.role}" is not a role of framework "${framework.id}" (roles: ${framework.roles.map((r) => r.id).join(', ') || 'none'})` });
    if (opts.competency !== undefined && !framework.competencies.some((c) => c.id === opts.competency)) problems.push({ path: 'competency', message: `"${opts.competency}" is not a competency of framework "${framework.id}"` });
    if (problems.length > 0) throw AppError.fromProblems('INVALID_PARAMETER', problems);
    const rules: MappingRule[] = opts.rules ? ((await deps.definitions.currentRules(store, framework.id))?.rules ?? []) : [];
    const started = performance.now();
    const snapshot = await deps.cache.snapshot(store);
    const refreshed = performance.now();
    const now = clock();
    const at = q.to ?? now;
    const filters = { role: q.role, team: q.team, cohort: q.cohort, manager: q.manager };
    const keep = (l: LearnerRow) => (filters.role === undefined || l.role === filters.role) && (filters.team === undefined || l.team === filters.team)
      && (filters.cohort === undefined || l.cohort === filters.cohort) && (filters.manager === undefined || l.manager === filters.manager);
    const learners: LearnerRow[] = [];
    for (const id of snapshot.learnerIds()) {
      const l = snapshot.learners.get(id);
      if (l !== undefined && keep(l)) learners.push(l);
    }
    const ctx: AggregateContext = { snapshot, ix: indexFramework(framework), view: snapshot.view(framework, found.version), rules, learners, at, from: q.from ?? null, now, filters };
    const envelope = {
      framework: { id: framework.id, version: found.version, title: framework.title },
      asOf: iso(at),
      window: { from: iso(q.from ?? null), to: iso(at) },
      filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
    };
    return { ctx, envelope, refresh: refreshed - started, refreshed };
  }

  const answer = (p: { envelope: Record<string, unknown>; refresh: number; refreshed: number }, r: { json: Record<string, unknown>; table: Table }, nextAfter?: string | null): AnalyticsAnswer =>
    ({ body: { ...p.envelope, ...r.json }, table: r.table, ...(nextAfter ? { nextAfter } : {}), timing: { refresh: p.refresh, compute: performance.now() - p.refreshed } });

  return {
    async skillsMatrix(store: string, q: Query<'skills-matrix'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { competency: q.competency });
      const r = skillsMatrix(p.ctx, { limit: q.limit ?? 100, after: q.after, competency: q.competency });
      return answer(p, r, r.nextAfter);
    },

    async gaps(store: string, q: Query<'gaps'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q);
      return answer(p, gaps(p.ctx, q.by));
    },

    async gapLearners(store: string, q: Query<'gaps/learners'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { competency: q.competency });
      if (q.by === 'role' && !p.ctx.ix.framework.roles.some((r) => r.id === q.group)) {
        throw AppError.fromProblems('INVALID_PARAMETER', [{ path: 'group', message: `"${q.group}" is not a role of framework "${p.ctx.ix.framework.id}"` }]);
      }
      return answer(p, gapLearners(p.ctx, q.by, q.group === NO_GROUP ? null : q.group, q.competency));
    },

    async timeToCompetency(store: string, q: Query<'time-to-competency'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { competency: q.competency });
      if (q.competency !== undefined && p.ctx.ix.competencies.get(q.competency)?.rollup !== undefined) {
        throw AppError.fromProblems('INVALID_PARAMETER', [{ path: 'competency', message: `"${q.competency}" rolls up from its children and has no time-to-competency of its own; ask for a child` }]);
      }
      await deps.source.firstEvidence(p.ctx.snapshot, missingFirstEvidence(p.ctx));
      return answer(p, timeToCompetency(p.ctx, { by: q.by ?? [...TTC_KEYS], competency: q.competency, curves: q.curves ?? false }));
    },

    async readiness(store: string, q: Query<'readiness'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q);
      return answer(p, readiness(p.ctx));
    },

    async proficiency(store: string, q: Query<'proficiency'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { competency: q.competency });
      return answer(p, proficiency(p.ctx, { competency: q.competency }));
    },

    async cohorts(store: string, q: Query<'cohorts'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { competency: q.competency });
      await deps.source.firstEvidence(p.ctx.snapshot, missingFirstEvidence(p.ctx));
      return answer(p, cohorts(p.ctx, { competency: q.competency }));
    },

    async scenarioAccuracy(store: string, q: Query<'scenario-accuracy'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { rules: true });
      await deps.source.activities(p.ctx.snapshot, unresolvedScenarioStatements(p.ctx));
      return answer(p, scenarioAccuracy(p.ctx, { threshold: q.threshold ?? 0.5 }));
    },

    async pathCompletion(store: string, q: Query<'path-completion'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q, { rules: true });
      return answer(p, pathCompletion(p.ctx, { verbs: q.verbs ?? DEFAULT_VERBS }));
    },

    async reassessments(store: string, q: Query<'reassessments'>): Promise<AnalyticsAnswer> {
      const p = await prepare(store, q);
      const r = reassessments(p.ctx, { days: q.days ?? 30, limit: q.limit ?? 100, after: q.after });
      return answer(p, r, r.nextAfter === null ? null : encodeCursor(r.nextAfter));
    },
  };
}
export type AnalyticsService = ReturnType<typeof analyticsService>;
