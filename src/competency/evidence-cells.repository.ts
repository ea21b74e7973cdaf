import type { AnyBulkWriteOperation, Collection, Db } from 'mongodb';
import type { EvidenceItem } from '../engine';
import { coalescedReads, coalescedWrites } from '../storage/coalesce';
import { encodeKey } from '../statements/model/key-codec';
import { fromJsonText, toJsonText, type JsonText } from '../storage/json-text';

/** A (learner, framework, competency) cell of one store and scoring generation. */
export interface CellKey { learnerId: string; frameworkId: string; competencyId: string }

/**
 * The live evidence of one cell in one document: what a state is computed from. A derived index
 * of the evidence log (`evidence.repository.ts` stays the record, with retractions, for trails):
 * scoring reads a learner's cells by `_id` in one round trip, instead of a range of evidence rows,
 * and every write is a single-document update by `_id`, atomic without transactions.
 * Items are keyed by statement and rule (unique within a cell, like the log's key).
 *
 * As stored, each item is its JSON text ({@link StoredCellDoc}, `storage/json-text.ts`): a cell is
 * only ever read and written whole by `_id`, never queried by an item's fields (on the stand-in,
 * reading a cell of 8 items took 35 µs instead of 85-90, adding an item 50 µs instead of 100-125).
 * Cells written before hold items as documents; both read the same ({@link cellItems}).
 */
export interface CellDoc {
  _id: string;
  store: string;
  generation: number;
  learnerId: string;
  frameworkId: string;
  competencyId: string;
  items: Record<string, EvidenceItem>;
  /** Bumped by every change of `items`, in the same update (see `recompute-cells.ts`). */
  v: number;
}

/** A cell as stored: items as JSON text, or as documents in cells written before that. */
export type StoredCellDoc = Omit<CellDoc, 'items'> & { items?: Record<string, JsonText<EvidenceItem>> };

/** The items of a stored cell (either form), decoded. */
export function cellItems(doc: Pick<StoredCellDoc, 'items'> | undefined): EvidenceItem[] {
  return Object.values(doc?.items ?? {}).map((item) => fromJsonText(item));
}

function decodeCell(doc: StoredCellDoc): CellDoc {
  const items: Record<string, EvidenceItem> = {};
  for (const [k, item] of Object.entries(doc.items ?? {})) items[k] = fromJsonText(item);
  return { ...doc, items };
}

// The store leads the id, as it leads every index; \u0001 cannot occur in ids we build cells of.
export function cellId(store: string, generation: number, c: CellKey): string {
  return [store, String(generation), c.learnerId, c.frameworkId, c.competencyId].join('\u0001');
}

function itemField(statementId: string, ruleId: string): string {
  return encodeKey(`${statementId}|${ruleId}`);
}

function itemKey(statementId: string, ruleId: string): string {
  return `items.${itemField(statementId, ruleId)}`;
}

/** Evidence rows grouped by the cell `add` writes them to, with the items as stored. */
function byCellOf(store: string, generation: number, rows: Array<EvidenceItem & { frameworkId: string }>): Map<string, { cell: CellKey; items: Record<string, EvidenceItem> }> {
  const byCell = new Map<string, { cell: CellKey; items: Record<string, EvidenceItem> }>();
  for (const r of rows) {
    const cell = { learnerId: r.learnerId, frameworkId: r.frameworkId, competencyId: r.competencyId };
    const id = cellId(store, generation, cell);
    let entry = byCell.get(id);
    if (entry === undefined) byCell.set(id, (entry = { cell, items: {} }));
    const { frameworkId: _fw, ...item } = r;
    entry.items[itemField(r.statementId, r.ruleId)] = item;
  }
  return byCell;
}

// As stored and read back: an absent optional field may come back as null (BSON has no undefined).
const dropNulls = (_k: string, v: unknown) => (v === null ? undefined : v);
const sameItem = (a: EvidenceItem | undefined, b: EvidenceItem) => a !== undefined && JSON.stringify(a, dropNulls) === JSON.stringify(b, dropNulls);

/**
 * The cells as they are right after `add(store, generation, rows)`, from a read of them that ran
 * beside that `add` (before or after it, unknown): a cell that already holds every added item as
 * written is taken as read after the add; any other gets the items and one more version, as the
 * add's single-document update does. Wrong only when someone else changed the cell between the
 * read and the add (or an earlier attempt wrote the same items): the version then differs from the
 * one derived here, which the recomputation's check of versions sees (one more round).
 */
export function cellsAfterAdd(docs: CellDoc[], store: string, generation: number, rows: Array<EvidenceItem & { frameworkId: string }>): CellDoc[] {
  const out = new Map(docs.map((d) => [d._id, d] as const));
  for (const [id, { cell, items }] of byCellOf(store, generation, rows)) {
    const d = out.get(id);
    if (d !== undefined && Object.entries(items).every(([k, item]) => sameItem(d.items?.[k], item))) continue;
    out.set(id, { ...(d ?? { _id: id, store, generation, ...cell }), items: { ...d?.items, ...items }, v: (d?.v ?? 0) + 1 });
  }
  return [...out.values()];
}

export function evidenceCellsRepository(db: Db) {
  const col: Collection<StoredCellDoc> = db.collection('competency_cells');
  // Scoring jobs' writes and `_id` reads, coalesced with other jobs' (see `storage/coalesce.ts`).
  const writes = coalescedWrites<StoredCellDoc>(db, 'competency_cells');
  const reads = coalescedReads<StoredCellDoc>(db, 'competency_cells');
  return {
    collection: col,
    async ensureIndexes(): Promise<void> {
      // Relinks and rebuild clean-ups find cells by learner or generation (rare paths).
      await col.createIndex({ store: 1, generation: 1, learnerId: 1 }, { name: 'store_gen_learner' });
    },
    /** Adds (or rewrites) evidence items in their cells. */
    async add(store: string, generation: number, rows: Array<EvidenceItem & { frameworkId: string }>): Promise<void> {
      if (rows.length === 0) return;
      const ops: AnyBulkWriteOperation<StoredCellDoc>[] = [...byCellOf(store, generation, rows)].map(([id, { cell, items }]) => ({
        updateOne: { filter: { _id: id }, update: { $set: Object.fromEntries(Object.entries(items).map(([k, item]) => [`items.${k}`, toJsonText(item)])), $setOnInsert: { store, generation, ...cell }, $inc: { v: 1 } } as never, upsert: true },
      }));
      await writes.write(ops);
    },
    /** Removes items (voiding, relinking). */
    async remove(store: string, generation: number, rows: Array<CellKey & { statementId: string; ruleId: string }>): Promise<void> {
      if (rows.length === 0) return;
      const byCell = new Map<string, Record<string, ''>>();
      for (const r of rows) {
        const id = cellId(store, generation, r);
        byCell.set(id, { ...byCell.get(id), [itemKey(r.statementId, r.ruleId)]: '' });
      }
      await writes.write([...byCell].map(([id, unset]) => ({ updateOne: { filter: { _id: id }, update: { $unset: unset, $inc: { v: 1 } } as never } })));
    },
    /** The cells of one learner among these competencies, by id (one round trip). */
    async get(store: string, generation: number, learnerId: string, cells: Array<{ frameworkId: string; competencyId: string }>): Promise<CellDoc[]> {
      if (cells.length === 0) return [];
      const ids = [...new Set(cells.map((c) => cellId(store, generation, { learnerId, ...c })))];
      return (await reads.find(ids)).map(decodeCell);
    },
    /** The versions of these cells (absent cells: 0), by id (one round trip). */
    async versions(store: string, generation: number, learnerId: string, cells: Array<{ frameworkId: string; competencyId: string }>): Promise<Map<string, number>> {
      const ids = [...new Set(cells.map((c) => cellId(store, generation, { learnerId, ...c })))];
      const docs = ids.length === 0 ? [] : await reads.find(ids, { projection: { v: 1 } });
      const found = new Map(docs.map((d) => [d._id, d.v ?? 0] as const));
      return new Map(ids.map((id) => [id, found.get(id) ?? 0]));
    },
    /** Every cell of a learner, in every generation (relinks). */
    async ofLearners(store: string, learnerIds: string[]): Promise<CellDoc[]> {
      return (await col.find({ store, learnerId: { $in: learnerIds } }).toArray()).map(decodeCell);
    },
    async delete(ids: string[]): Promise<void> {
      if (ids.length > 0) await col.deleteMany({ _id: { $in: ids } });
    },
    async dropGeneration(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation });
    },
    async dropGenerationsBelow(store: string, generation: number): Promise<void> {
      await col.deleteMany({ store, generation: { $lt: generation } });
    },
  };
}
export type EvidenceCellsRepository = ReturnType<typeof evidenceCellsRepository>;
