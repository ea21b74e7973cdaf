import { ObjectId, type Filter, type IndexDescription, type Sort } from 'mongodb';
import type { StatementDoc } from './statement-doc';

/** Parsed, validated GET /statements filter (ids already normalised). */
export interface StatementFilter {
  agentKey?: string;
  relatedAgents?: boolean;
  verbId?: string;
  activityId?: string;
  relatedActivities?: boolean;
  registration?: string;
  since?: Date;
  until?: Date;
  ascending: boolean;
  /** `statements/read/mine`: only statements stored by this authority. */
  authorityKey?: string;
}

/** Position after the last statement of a page. */
export interface Cursor { stored: Date; oid: string }

export interface QueryPlan {
  filter: Filter<StatementDoc>;
  sort: Sort;
  /** Name of the index that serves this filter and sort. */
  index: string;
}

/**
 * Indexes behind every query shape the statements API issues. Each starts with the store, then the
 * field a filter picks by equality, then `voided`, then the sort keys. `test/query-indexes.test.ts`
 * fails when a plan names an index that does not serve its filter and sort.
 */
export const STATEMENT_INDEXES: IndexDescription[] = [
  { key: { store: 1, id: 1 }, name: 'store_id', unique: true },
  { key: { store: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_voided_stored' },
  { key: { store: 1, agents: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_agents_stored' },
  { key: { store: 1, relatedAgents: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_relatedAgents_stored' },
  { key: { store: 1, verbIds: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_verb_stored' },
  { key: { store: 1, activities: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_activities_stored' },
  { key: { store: 1, relatedActivities: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_relatedActivities_stored' },
  { key: { store: 1, registrations: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_registration_stored' },
  { key: { store: 1, authorityKey: 1, voided: 1, stored: -1, _id: -1 }, name: 'store_authority_stored' },
  // Statements that reference (or void) a given id, looked up when that id arrives.
  { key: { store: 1, refId: 1 }, name: 'store_refId', sparse: true },
  { key: { store: 1, toScore: 1, stored: 1 }, name: 'store_toScore_stored' },
];

/**
 * Chooses filter, sort and index for a query. The most selective equality filter leads the index
 * (registration, then activity, agent, verb); the others filter the rows that index yields.
 */
export function planStatementQuery(store: string, f: StatementFilter, after?: Cursor): QueryPlan {
  const filter: Filter<StatementDoc> = { store, voided: false };
  let index = 'store_voided_stored';
  const pick = (name: string) => { if (index === 'store_voided_stored') index = name; };
  if (f.registration !== undefined) { filter.registrations = f.registration; pick('store_registration_stored'); }
  if (f.activityId !== undefined) {
    if (f.relatedActivities) { filter.relatedActivities = f.activityId; pick('store_relatedActivities_stored'); } else { filter.activities = f.activityId; pick('store_activities_stored'); }
  }
  if (f.agentKey !== undefined) {
    if (f.relatedAgents) { filter.relatedAgents = f.agentKey; pick('store_relatedAgents_stored'); } else { filter.agents = f.agentKey; pick('store_agents_stored'); }
  }
  if (f.verbId !== undefined) { filter.verbIds = f.verbId; pick('store_verb_stored'); }
  if (f.authorityKey !== undefined) { filter.authorityKey = f.authorityKey; pick('store_authority_stored'); }

  // xAPI 1.0.3 Communication §2.1.3: since is exclusive, until is inclusive (both on `stored`).
  const stored: Record<string, Date> = {};
  if (f.since) stored.$gt = f.since;
  if (f.until) stored.$lte = f.until;
  if (Object.keys(stored).length > 0) filter.stored = stored;

  const dir = f.ascending ? 1 : -1;
  if (after) {
    // Keyset paging on (stored, _id): stable while new statements arrive, no server-side state.
    const op = f.ascending ? '$gt' : '$lt';
    filter.$or = [{ stored: { [op]: after.stored } }, { stored: after.stored, _id: { [op]: new ObjectId(after.oid) } }];
  }
  return { filter, sort: { stored: dir, _id: dir }, index };
}
