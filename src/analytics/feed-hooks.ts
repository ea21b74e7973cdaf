/**
 * The calls the competency repositories make after writing (one line each), so the analytics
 * snapshots of every API process learn of the change: `recordStateWrites` after states are
 * written, `recordRollupWrites` after roll-ups, `recordLearnerWrites` after a learner is saved.
 * They run after the data write and before the writer's job goes on, so the feed's order follows
 * the pipeline's own ordering argument (`recompute-cells.ts`). What orders an entry is its
 * position, so the state and roll-up hooks resolve once their entries have positions and hand back
 * the slot writes still under way (`FeedRecord.written`): the writer may go on meanwhile, and
 * must await them before it is done.
 */
import type { Db } from 'mongodb';
import type { CompetencyStanding, CompetencyState } from '../engine';
import { analyticsFeedRepository, generationChannel, type FeedAppend } from './analytics-feed.repository';
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

/** Entries recorded: they have their positions; `written` settles when their slots are written. */
export interface FeedRecord { written: Promise<void> }

const NOTHING: FeedRecord = { written: Promise.resolve() };

function allWritten(appended: FeedAppend[]): FeedRecord {
  const written = Promise.all(appended.map((a) => a.written)).then(() => undefined);
  written.catch(() => undefined); // the writer gets the error when it awaits `written`
  return { written };
}

async function appendCells(db: Db, store: string, generation: number, groups: Map<string, CompactRow[]>): Promise<FeedRecord> {
  const feed = analyticsFeedRepository(db);
  // One entry per learner; entries of different learners are independent, so they go together
  // (concurrent appends share one allocation, see `analytics-feed.repository.ts`).
  return allWritten(await Promise.all([...groups].map(([l, rows]) => feed.appendSequenced(store, generationChannel(generation), { k: 'cells', l, rows }))));
}

/** After `competency_states` rows were written (an `evidenceCount` of 0 means deleted). */
export async function recordStateWrites(db: Db, store: string, generation: number, rows: ReadonlyArray<{ frameworkId: string; state: CompetencyState }>): Promise<FeedRecord> {
  if (rows.length === 0) return NOTHING;
  const groups = new Map<string, CompactRow[]>();
  for (const [l, list] of byLearner(rows, (r) => r.state.learnerId)) {
    groups.set(l, list.map((r) => ({ f: r.frameworkId, c: r.state.competencyId, d: r.state.evidenceCount === 0 ? null : compactState(r.state) })));
  }
  return appendCells(db, store, generation, groups);
}

/** After `competency_rollups` rows were written (a `score` of null means deleted). */
export async function recordRollupWrites(db: Db, store: string, generation: number, rows: ReadonlyArray<{ learnerId: string; frameworkId: string; standing: CompetencyStanding }>): Promise<FeedRecord> {
  if (rows.length === 0) return NOTHING;
  const groups = new Map<string, CompactRow[]>();
  for (const [l, list] of byLearner(rows, (r) => r.learnerId)) {
    groups.set(l, list.map((r) => ({ f: r.frameworkId, c: r.standing.competencyId, d: r.standing.score === null ? null : compactStanding(r.standing) })));
  }
  return appendCells(db, store, generation, groups);
}

/** After learners were created, changed or removed. */
export async function recordLearnerWrites(db: Db, store: string, learnerIds: readonly string[]): Promise<void> {
  if (learnerIds.length === 0) return;
  await analyticsFeedRepository(db).append(store, 'learners', { k: 'learners', ids: [...learnerIds] });
}
