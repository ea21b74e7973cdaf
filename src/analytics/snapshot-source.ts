/**
 * Loads an {@link AnalyticsSnapshot} from MongoDB and keeps it current by replaying the analytics
 * feed. Reads only what the workers keep (states, roll-ups, live evidence cells, learners) plus
 * the completion-verb statements, once at load; afterwards every read is by `_id` or unique key.
 */
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { CompetencyState, EvidenceItem } from '../engine';
import { cellId, cellItems, type StoredCellDoc } from '../competency/evidence-cells.repository';
import { decodeKey } from '../statements/model/key-codec';
import { analyticsFeedRepository, generationChannel, type FeedRead } from './analytics-feed.repository';
import { AnalyticsSnapshot, type LearnerSource, type ScenarioItem } from './analytics-snapshot';
import { cellGroups, compactStanding, compactState, type CompletionRecord } from './feed-payload';
import { COMPLETION_VERBS, completionFromStatement } from './completions';

/** Feed positions a snapshot has replayed up to. */
export interface FeedPositions { states: number; learners: number; completions: number }

/** How long a reader waits for a slot whose writer allocated it but never wrote it. @defaultValue 10 s */
export const FEED_GAP_TIMEOUT_MS = 10_000;

const LEARNER_FIELDS = { _id: 0, learnerId: 1, identities: 1, implicit: 1, attributes: 1 } as const;

export function snapshotSource(deps: { db: Db; logger?: Logger }) {
  const { db } = deps;
  const feed = analyticsFeedRepository(db);
  const learnersCol = db.collection<LearnerSource & { store: string }>('learners');

  async function readScenario(store: string, generation: number, snapshot: AnalyticsSnapshot, cells: Array<{ learnerId: string; frameworkId: string; competencyId: string }>): Promise<void> {
    for (let i = 0; i < cells.length; i += 500) {
      const batch = cells.slice(i, i + 500);
      const ids = batch.map((c) => cellId(store, generation, c));
      const docs = await db.collection<StoredCellDoc>('competency_cells').find({ _id: { $in: ids } }).toArray();
      const byId = new Map(docs.map((d) => [d._id, d]));
      batch.forEach((c, k) => {
        const items = cellItems(byId.get(ids[k] as string)).filter((e) => e.sourceKind === 'scenario');
        snapshot.setScenario(c.learnerId, c.frameworkId, c.competencyId, items.map(scenarioItem));
      });
    }
  }

  async function fetchLearners(store: string, ids: string[]): Promise<Map<string, LearnerSource>> {
    const out = new Map<string, LearnerSource>();
    // A few by unique key (indexed everywhere); many in one query.
    const docs = ids.length <= 32
      ? (await Promise.all(ids.map((learnerId) => learnersCol.findOne({ store, learnerId }, { projection: LEARNER_FIELDS })))).filter((d) => d !== null)
      : await learnersCol.find({ store, learnerId: { $in: ids } }, { projection: LEARNER_FIELDS }).toArray();
    for (const d of docs) out.set(d.learnerId, d);
    return out;
  }

  return {
    /** The whole snapshot of a store's active generation, and the feed positions it reflects. */
    async load(store: string, generation: number): Promise<{ snapshot: AnalyticsSnapshot; positions: FeedPositions }> {
      // Positions first: every change after them is replayed, and replaying one already loaded is harmless.
      const [states, learners, completions] = await Promise.all([feed.head(store, generationChannel(generation)), feed.head(store, 'learners'), feed.head(store, 'completions')]);
      const snapshot = new AnalyticsSnapshot(store, generation);
      const started = Date.now();
      for (const d of await learnersCol.find({ store }, { projection: LEARNER_FIELDS }).toArray()) snapshot.putLearner(d);
      const timed = async <T>(what: () => Promise<T>): Promise<[T, number]> => {
        const t = Date.now();
        return [await what(), Date.now() - t];
      };
      // The four reads are independent; the stand-in serves them in parallel on separate collections.
      const [cells, rollups, scenario, found] = await Promise.all([
        timed(async () => {
          const docs = db.collection<CompetencyState & { store: string; generation: number; frameworkId: string }>('competency_states')
            .find({ store, generation, evidenceCount: { $gt: 0 } }, { projection: { _id: 0, store: 0, generation: 0, alpha: 0, beta: 0, intervalMass: 0, firstReachedAt: 0, asOf: 0, updatedAt: 0, seq: 0, frameworkVersion: 0 } })
            .batchSize(10_000);
          let n = 0;
          for await (const d of docs) {
            const state = { ...d, firstValidatedAt: Object.fromEntries(Object.entries(d.firstValidatedAt ?? {}).map(([k, v]) => [decodeKey(k), v])) };
            snapshot.applyCells(d.learnerId, [{ f: d.frameworkId, c: d.competencyId, d: compactState(state) }]);
            n++;
          }
          return n;
        }),
        timed(async () => {
          let n = 0;
          for await (const d of db.collection('competency_rollups').find({ store, generation, score: { $ne: null } }, { projection: { _id: 0, children: 0, missing: 0 } }).batchSize(10_000)) {
            snapshot.applyCells(d.learnerId as string, [{ f: d.frameworkId as string, c: d.competencyId as string, d: compactStanding(d as never) }]);
            n++;
          }
          return n;
        }),
        timed(async () => {
          const evidence = db.collection<EvidenceItem & { frameworkId: string }>('evidence')
            .find({ store, generation, sourceKind: 'scenario', retractedAt: { $exists: false } }, { projection: { _id: 0, learnerId: 1, frameworkId: 1, competencyId: 1, statementId: 1, ruleId: 1, value: 1, observedAt: 1 } })
            .batchSize(10_000);
          const byCell = new Map<string, { learnerId: string; frameworkId: string; competencyId: string; items: ScenarioItem[] }>();
          for await (const e of evidence) {
            const key = `${e.learnerId}\u0000${e.frameworkId}\u0000${e.competencyId}`;
            let entry = byCell.get(key);
            if (entry === undefined) byCell.set(key, (entry = { learnerId: e.learnerId, frameworkId: e.frameworkId, competencyId: e.competencyId, items: [] }));
            entry.items.push(scenarioItem(e));
          }
          return byCell;
        }),
        timed(async () => {
          const statements = db.collection<{ id: string; json: string; stored: Date }>('statements')
            .find({ store, verbIds: { $in: COMPLETION_VERBS }, voided: false }, { projection: { _id: 0, id: 1, json: 1, stored: 1 } })
            .batchSize(10_000);
          const list: CompletionRecord[] = [];
          for await (const s of statements) {
            const c = completionFromStatement(JSON.parse(s.json), s.stored.getTime());
            if (c !== null) list.push(c);
          }
          return list;
        }),
      ]);
      // Scenario evidence of cells whose state arrived: after the states, so learners exist.
      for (const s of scenario[0].values()) snapshot.setScenario(s.learnerId, s.frameworkId, s.competencyId, s.items);
      snapshot.applyCompletions(found[0], []);
      const ms = { states: cells[1], rollups: rollups[1], evidence: scenario[1], statements: found[1] };
      deps.logger?.info({ store, generation, learners: snapshot.learners.size, states: cells[0], rollups: rollups[0], completions: found[0].length, ms: Date.now() - started, readMs: ms }, 'analytics snapshot loaded');
      return { snapshot, positions: { states, learners, completions } };
    },

    /**
     * Replays the feed after `positions` into the snapshot (mutating both). `overflow` means the
     * feed moved on further than its ring holds: the caller reloads. `gaps` tracks slots seen
     * unwritten, to give up on them after {@link FEED_GAP_TIMEOUT_MS}.
     */
    async refresh(snapshot: AnalyticsSnapshot, positions: FeedPositions, gaps: Map<string, { n: number; since: number }>, now = Date.now()): Promise<'ok' | 'overflow'> {
      const { store, generation } = snapshot;
      const drain = async (channel: string, key: keyof FeedPositions, apply: (entries: Extract<FeedRead, { kind: 'entries' }>['entries']) => Promise<void>): Promise<'ok' | 'overflow'> => {
        for (;;) {
          const r = await feed.read(store, channel, positions[key]);
          if (r.kind === 'overflow') return 'overflow';
          await apply(r.entries);
          if (r.entries.length > 0) positions[key] = (r.entries[r.entries.length - 1] as { n: number }).n;
          if (r.gapAt !== undefined && r.gapAt === positions[key] + 1) {
            const g = gaps.get(channel);
            if (g === undefined || g.n !== r.gapAt) { gaps.set(channel, { n: r.gapAt, since: now }); return 'ok'; }
            if (now - g.since < FEED_GAP_TIMEOUT_MS) return 'ok';
            deps.logger?.warn({ store, channel, n: r.gapAt }, 'analytics feed: a writer never finished its slot; skipping it');
            gaps.delete(channel);
            positions[key] = r.gapAt;
            continue;
          }
          if (positions[key] >= r.head || r.entries.length === 0) return 'ok';
        }
      };
      const learnersResult = await drain('learners', 'learners', async (entries) => {
        const ids = [...new Set(entries.flatMap((e) => (e.payload.k === 'learners' ? e.payload.ids : [])))];
        const docs = await fetchLearners(store, ids);
        for (const id of ids) {
          const d = docs.get(id);
          if (d === undefined) snapshot.removeLearner(id);
          else snapshot.putLearner(d);
        }
      });
      if (learnersResult === 'overflow') return 'overflow';
      const statesResult = await drain(generationChannel(generation), 'states', async (entries) => {
        const scenario = new Map<string, { learnerId: string; frameworkId: string; competencyId: string }>();
        const unknown = new Set<string>();
        for (const e of entries) {
          if (e.payload.k !== 'cells') continue;
          for (const { l, rows } of cellGroups(e.payload)) {
            if (!snapshot.learners.has(l)) unknown.add(l);
            for (const c of snapshot.applyCells(l, rows)) scenario.set(`${l}\u0000${c.frameworkId}\u0000${c.competencyId}`, { learnerId: l, ...c });
          }
        }
        // Learners first seen here (implicit learners scoring created) get their stored attributes.
        if (unknown.size > 0) for (const d of (await fetchLearners(store, [...unknown])).values()) snapshot.putLearner(d);
        await readScenario(store, generation, snapshot, [...scenario.values()]);
      });
      if (statesResult === 'overflow') return 'overflow';
      return drain('completions', 'completions', async (entries) => {
        for (const e of entries) if (e.payload.k === 'completions') snapshot.applyCompletions(e.payload.add, e.payload.voids);
      });
    },

    /** First live evidence time of cells (time-to-competency without a role assignment), by cell `_id`. */
    async firstEvidence(snapshot: AnalyticsSnapshot, cells: Array<{ learnerId: string; frameworkId: string; competencyId: string }>): Promise<void> {
      for (let i = 0; i < cells.length; i += 500) {
        const batch = cells.slice(i, i + 500);
        const ids = batch.map((c) => cellId(snapshot.store, snapshot.generation, c));
        const docs = await db.collection<StoredCellDoc>('competency_cells').find({ _id: { $in: ids } }).toArray();
        const byId = new Map(docs.map((d) => [d._id, d]));
        batch.forEach((c, k) => {
          const times = cellItems(byId.get(ids[k] as string)).map((e) => e.observedAt);
          snapshot.firstEvidence.set(`${c.learnerId}\u0000${c.frameworkId}\u0000${c.competencyId}`, times.length === 0 ? null : Math.min(...times));
        });
      }
    },

    /** Object activity ids of statements (scenario evidence of rules naming several activities), by unique key. */
    async activities(snapshot: AnalyticsSnapshot, statementIds: string[]): Promise<void> {
      const col = db.collection<{ id: string; json: string }>('statements');
      for (let i = 0; i < statementIds.length; i += 32) {
        const batch = statementIds.slice(i, i + 32);
        const docs = await Promise.all(batch.map((id) => col.findOne({ store: snapshot.store, id }, { projection: { _id: 0, json: 1 } })));
        batch.forEach((id, k) => {
          const json = docs[k]?.json;
          const object = json === undefined ? undefined : (JSON.parse(json) as { object?: { id?: unknown; objectType?: unknown } }).object;
          snapshot.activityOf.set(id, object !== undefined && (object.objectType === undefined || object.objectType === 'Activity') && typeof object.id === 'string' ? object.id : null);
        });
      }
    },
  };
}
export type SnapshotSource = ReturnType<typeof snapshotSource>;

function scenarioItem(e: Pick<EvidenceItem, 'statementId' | 'ruleId' | 'value' | 'observedAt'>): ScenarioItem {
  return { statementId: e.statementId, ruleId: e.ruleId, value: e.value, observedAt: e.observedAt };
}
