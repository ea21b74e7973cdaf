/**
 * The calls the competency repositories make after writing (one line each), so the analytics
 * snapshots of every API process learn of the change: `recordStateWrites` after states are
 * written, `recordRollupWrites` after roll-ups, `recordLearnerWrites` after a learner is saved.
 * They run after the data write and before the writer's job goes on, so the feed's order follows
 * the pipeline's own ordering argument (`recompute-cells.ts`).
 */
import type { Db } from 'mongodb';
import type { CompetencyStanding, CompetencyState } from '../engine';
import { analyticsFeedRepository, generationChannel } from './analytics-feed.repository';
import { compactStanding, compactState, type CompactRow } from './feed-payload';

function byLearner<T>(rows: readonly T[], learnerOf: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const l = learnerOf(r);
    const list = out.get(l);
    if (list === undefined) out.set(l, [r]);
    else list.push(r);
  }
  return out;
}

async function appendCells(db: Db, store: string, generation: number, groups: Map<string, CompactRow[]>): Promise<void> {
  const feed = analyticsFeedRepository(db);
  for (const [l, rows] of groups) await feed.append(store, generationChannel(generation), { k: 'cells', l, rows });
}

/** After `competency_states` rows were written (an `evidenceCount` of 0 means deleted). */
export async function recordStateWrites(db: Db, store: string, generation: number, rows: ReadonlyArray<{ frameworkId: string; state: CompetencyState }>): Promise<void> {
  if (rows.length === 0) return;
  const groups = new Map<string, CompactRow[]>();
  for (const [l, list] of byLearner(rows, (r) => r.state.learnerId)) {
    groups.set(l, list.map((r) => ({ f: r.frameworkId, c: r.state.competencyId, d: r.state.evidenceCount === 0 ? null : compactState(r.state) })));
  }
  await appendCells(db, store, generation, groups);
}

/** After `competency_rollups` rows were written (a `score` of null means deleted). */
export async function recordRollupWrites(db: Db, store: string, generation: number, rows: ReadonlyArray<{ learnerId: string; frameworkId: string; standing: CompetencyStanding }>): Promise<void> {
  if (rows.length === 0) return;
  const groups = new Map<string, CompactRow[]>();
  for (const [l, list] of byLearner(rows, (r) => r.learnerId)) {
    groups.set(l, list.map((r) => ({ f: r.frameworkId, c: r.standing.competencyId, d: r.standing.score === null ? null : compactStanding(r.standing) })));
  }
  await appendCells(db, store, generation, groups);
}

/** After learners were created, changed or removed. */
export async function recordLearnerWrites(db: Db, store: string, learnerIds: readonly string[]): Promise<void> {
  if (learnerIds.length === 0) return;
  await analyticsFeedRepository(db).append(store, 'learners', { k: 'learners', ids: [...learnerIds] });
}
