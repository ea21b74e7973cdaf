/**
 * Whether a mapping rule's `match` holds for a statement: every given criterion must hold, and
 * within a list any entry may match.
 */
import { contextActivityIds, type ContextActivityKey, type StatementLike } from './statement-shape';
import type { RuleMatch } from './types';

const CONTEXT_KEYS: readonly ContextActivityKey[] = ['parent', 'grouping', 'category', 'other'];

function anyIn(values: readonly string[], wanted: readonly string[]): boolean {
  return values.some((v) => wanted.includes(v));
}

function oneOf(value: unknown, wanted: readonly string[] | undefined): boolean {
  return wanted === undefined || (typeof value === 'string' && wanted.includes(value));
}

export function ruleMatches(match: RuleMatch, statement: StatementLike): boolean {
  if (!oneOf(statement.verb?.id, match.verbIds)) return false;
  const object = statement.object ?? undefined;
  const isActivity =
    object !== undefined && typeof object === 'object' && (object.objectType === undefined || object.objectType === 'Activity');
  const wantsActivity =
    match.activityIds !== undefined || match.activityTypes !== undefined || match.interactionTypes !== undefined;
  if (wantsActivity && !isActivity) return false;
  if (!oneOf(object?.id, match.activityIds)) return false;
  if (!oneOf(object?.definition?.type, match.activityTypes)) return false;
  if (!oneOf(object?.definition?.interactionType, match.interactionTypes)) return false;
  const wantedContext = match.contextActivityIds;
  if (wantedContext !== undefined) {
    for (const key of CONTEXT_KEYS) {
      const wanted = wantedContext[key];
      if (wanted !== undefined && !anyIn(contextActivityIds(statement, key), wanted)) return false;
    }
  }
  // cmi5 marks its statements with the category activity
  // https://w3id.org/xapi/cmi5/context/categories/cmi5, and xAPI Profiles ask statements to carry
  // the profile version IRI in context category; both are matched there.
  if (match.templateIds !== undefined && !anyIn(contextActivityIds(statement, 'category'), match.templateIds)) {
    return false;
  }
  return true;
}
