/**
 * Evidence as a set: a canonical order and de-duplication, so every computation over evidence
 * is a function of the set, whatever order the items arrived in.
 */
import type { EvidenceItem } from './evidence-types';

/**
 * Identity of an evidence item: one rule, one statement, one competency (and indicator, since a
 * rule may produce evidence for several indicators of the same competency). The evidence log
 * should carry a unique index on exactly this.
 */
export function evidenceKey(item: EvidenceItem): string {
  return `${item.statementId}\u0000${item.competencyId}\u0000${item.ruleId}\u0000${item.indicatorId ?? ''}`;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Replay order: by `observedAt`, ties broken by identity so the order is total and deterministic.
 */
export function compareEvidence(a: EvidenceItem, b: EvidenceItem): number {
  return (
    a.observedAt - b.observedAt ||
    cmpStr(a.statementId, b.statementId) ||
    cmpStr(a.competencyId, b.competencyId) ||
    cmpStr(a.ruleId, b.ruleId) ||
    cmpStr(a.indicatorId ?? '', b.indicatorId ?? '')
  );
}

// Two items with one key but different content (a re-scored copy, say) must still resolve the
// same way in any order: the latest stored wins, then a fixed comparison of the remaining fields.
function compareContent(a: EvidenceItem, b: EvidenceItem): number {
  return (
    a.storedAt - b.storedAt ||
    a.observedAt - b.observedAt ||
    a.value - b.value ||
    a.weight - b.weight ||
    cmpStr(a.sourceKind, b.sourceKind) ||
    cmpStr(a.frameworkVersion, b.frameworkVersion) ||
    cmpStr(a.learnerId, b.learnerId) ||
    cmpStr(a.assessor?.ifi ?? '', b.assessor?.ifi ?? '')
  );
}

/** Result of {@link canonicalEvidence}. */
export interface CanonicalEvidence {
  /** Distinct items in replay order. */
  items: EvidenceItem[];
  /** Items dropped as duplicates of a kept item. */
  duplicates: EvidenceItem[];
}

/** De-duplicate by {@link evidenceKey} and sort in replay order. */
export function canonicalEvidence(evidence: readonly EvidenceItem[]): CanonicalEvidence {
  const byKey = new Map<string, EvidenceItem>();
  const duplicates: EvidenceItem[] = [];
  for (const item of evidence) {
    const key = evidenceKey(item);
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, item);
    } else if (compareContent(item, seen) > 0) {
      duplicates.push(seen);
      byKey.set(key, item);
    } else {
      duplicates.push(item);
    }
  }
  const items = [...byKey.values()].sort(compareEvidence);
  return { items, duplicates };
}
