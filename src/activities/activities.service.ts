import { createHash } from 'node:crypto';
import { AppError } from '../errors/app-error';
import type { JsonObject, Statement } from '../statements/model/statement-types';
import { definedActivities, mergeDefinition } from './merge-definition';
import type { ActivitiesRepository } from './activities.repository';

const CONFIRMED_MAX = 50_000;

/**
 * Canonical Activity definitions (xAPI 1.0.3 Communication §2.5): every Activity a statement
 * mentions is known; its definition is merged from statements whose credential may define
 * (scope `define` or `all`); others are recorded without changing the definition (§4.2 `define`).
 */
export function activitiesService(deps: { repo: ActivitiesRepository; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  // (store, id, definition) already merged by this process: repeats, the common case, skip MongoDB.
  const confirmed = new Set<string>();

  return {
    async record(store: string, statements: Statement[], canDefine: boolean): Promise<void> {
      const incoming = new Map<string, JsonObject | undefined>();
      for (const s of statements) {
        for (const a of definedActivities(s)) {
          const next = canDefine ? a.definition : undefined;
          const prev = incoming.get(a.id);
          incoming.set(a.id, next && prev ? mergeDefinition(prev, next) : (next ?? prev));
        }
      }
      // Memo keys are digests, so the memo's size is bounded by its entry count, not by definitions' size.
      const items = [...incoming].map(([id, definition]) => ({ id, definition, memo: createHash('sha256').update(`${store}\u0000${id}\u0000${JSON.stringify(definition ?? null)}`).digest('base64') }))
        .filter((it) => !confirmed.has(it.memo));
      if (items.length === 0) return;
      await deps.repo.merge(store, items, now());
      if (confirmed.size + items.length > CONFIRMED_MAX) confirmed.clear();
      for (const it of items) confirmed.add(it.memo);
    },

    /** The Activity with its canonical definition (404 when the LRS has never seen it). */
    async get(store: string, id: string): Promise<JsonObject> {
      const doc = await deps.repo.findOne(store, id);
      if (!doc) throw new AppError('NOT_FOUND', `activityId: no Activity ${id} is known to this LRS`);
      return doc.definition && Object.keys(doc.definition).length > 0 ? { objectType: 'Activity', id, definition: doc.definition } : { objectType: 'Activity', id };
    },
  };
}
export type ActivitiesService = ReturnType<typeof activitiesService>;
