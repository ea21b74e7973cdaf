/**
 * Completion-verb statements for the path-completion indicator. They are not evidence (a rule may
 * or may not map them), so they are captured as statements are stored: the statements use case
 * calls {@link completionsRecorder} after each insert (`afterInsert`, awaited, failures logged) and
 * the recorder appends them to the analytics feed. A snapshot load reads the stored ones once.
 */
import type { Db } from 'mongodb';
import { agentIfiKey } from '../statements/model/agent-ifi';
import { analyticsFeedRepository } from './analytics-feed.repository';
import type { CompletionRecord } from './feed-payload';

/** cmi5 `satisfied` (cmi5 §9.3.9: the learner met the block's or course's moveOn criteria). */
export const SATISFIED = 'https://w3id.org/xapi/adl/verbs/satisfied';

/**
 * The verbs captured as completions; `path-completion?verbs=` chooses among them
 * (default: {@link SATISFIED} only).
 */
export const COMPLETION_VERBS: readonly string[] = [
  SATISFIED,
  'http://adlnet.gov/expapi/verbs/completed',
  'http://adlnet.gov/expapi/verbs/passed',
  'http://adlnet.gov/expapi/verbs/mastered',
];

const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';

interface StatementShape { id?: unknown; actor?: unknown; verb?: { id?: unknown }; object?: { id?: unknown; objectType?: unknown } }

/** The completion a statement records, or null (other verb, no activity object, anonymous actor). */
export function completionFromStatement(statement: unknown, stored: number): CompletionRecord | null {
  const s = statement as StatementShape;
  const verb = s.verb?.id;
  if (typeof verb !== 'string' || !COMPLETION_VERBS.includes(verb)) return null;
  const object = s.object;
  if (object === undefined || (object.objectType !== undefined && object.objectType !== 'Activity') || typeof object.id !== 'string') return null;
  const actor = agentIfiKey(s.actor);
  if (actor === undefined || typeof s.id !== 'string') return null;
  return { id: s.id.toLowerCase(), actor, activity: object.id, verb, stored };
}

/** The statement a voiding statement voids (xAPI Data §2.3.2), or null. */
function voidedTarget(statement: unknown): string | null {
  const s = statement as StatementShape;
  if (s.verb?.id !== VOIDED || s.object?.objectType !== 'StatementRef' || typeof s.object.id !== 'string') return null;
  return s.object.id.toLowerCase();
}

/** What `afterInsert` calls with newly stored statements. */
export function completionsRecorder(db: Db) {
  const feed = analyticsFeedRepository(db);
  return async (input: { store: string; statements: readonly unknown[]; stored: number; voided: ReadonlySet<string> }): Promise<void> => {
    const voids = input.statements.map(voidedTarget).filter((t): t is string => t !== null);
    // A voiding statement may have arrived first, storing its target voided: no completion then.
    const add = input.statements
      .map((s) => completionFromStatement(s, input.stored))
      .filter((c): c is CompletionRecord => c !== null && !input.voided.has(c.id));
    if (add.length > 0 || voids.length > 0) await feed.append(input.store, 'completions', { k: 'completions', add, voids });
  };
}
