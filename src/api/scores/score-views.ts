/**
 * How scores, roll-ups and evidence trails look in /api responses: the engine's shapes with
 * epoch milliseconds turned into ISO 8601 times and level ids kept as given.
 */
import type { CompetencyStanding, CompetencyState, Competency, EpochMs, EvidenceExplanation, EvidenceItem, TimeToCompetency } from '../../engine';
import type { EvidenceDoc } from '../../competency/evidence.repository';

const iso = (t: EpochMs | null | undefined): string | null => (t === null || t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString());
const isoMap = (m: Record<string, EpochMs>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, iso(v)]));

export interface CellRef {
  frameworkId: string;
  /** The framework version the state was last scored under. */
  frameworkVersion: number;
  competency: Competency | undefined;
  competencyId: string;
}

/** A competency scored from its own evidence. */
export function stateView(ref: CellRef, s: CompetencyState) {
  return {
    frameworkId: ref.frameworkId,
    frameworkVersion: ref.frameworkVersion,
    competencyId: ref.competencyId,
    title: ref.competency?.title ?? null,
    mode: 'own-evidence' as const,
    score: s.score,
    interval: s.interval,
    intervalMass: s.intervalMass,
    level: s.level,
    evidenceCount: s.evidenceCount,
    bySource: s.bySource,
    validated: s.validated,
    validatedLevel: s.validatedLevel,
    validatedAt: iso(s.validatedAt),
    validUntil: iso(s.validUntil),
    reassessmentDueAt: iso(s.reassessmentDueAt),
    firstReachedAt: isoMap(s.firstReachedAt),
    firstValidatedAt: isoMap(s.firstValidatedAt),
    validations: s.validations.map((v) => ({ kind: v.kind, levelId: v.levelId, validatedAt: iso(v.validatedAt), validUntil: iso(v.validUntil) })),
    lastObservedAt: iso(s.lastObservedAt),
    asOf: iso(s.asOf),
  };
}

/** A parent competency whose standing follows from its children by the framework's roll-up rule. */
export function standingView(ref: Omit<CellRef, 'frameworkVersion'> & { frameworkVersion: number }, s: CompetencyStanding) {
  return {
    frameworkId: ref.frameworkId,
    frameworkVersion: ref.frameworkVersion,
    competencyId: s.competencyId,
    title: ref.competency?.title ?? null,
    mode: s.mode,
    score: s.score,
    interval: s.interval,
    level: s.level,
    validated: s.validated,
    validatedLevel: s.validatedLevel,
    validatedAt: iso(s.validatedAt),
    validUntil: iso(s.validUntil),
    ...(s.points ? { points: s.points } : {}),
    missing: s.missing,
    children: s.children.map((c) => ({ competencyId: c.competencyId, mode: c.mode, score: c.score, level: c.level, validated: c.validated, validatedLevel: c.validatedLevel })),
  };
}

/** Why an evidence row shows in the trail the way it does. */
export type TrailStatus = 'counted' | 'duplicate' | 'not-yet-observed' | 'retracted';

/** One line of the evidence trail: a statement, what it contributed, who assessed it, by which rule. */
export function trailLine(item: EvidenceItem | EvidenceDoc, status: TrailStatus, extra: { explanation?: EvidenceExplanation; reason?: string } = {}) {
  const doc = item as Partial<EvidenceDoc>;
  const e = extra.explanation;
  return {
    statementId: item.statementId,
    status,
    observedAt: iso(item.observedAt),
    storedAt: iso(item.storedAt),
    sourceKind: item.sourceKind,
    ...(item.indicatorId !== undefined ? { indicatorId: item.indicatorId } : {}),
    value: item.value,
    weight: item.weight,
    ruleId: item.ruleId,
    frameworkVersion: item.frameworkVersion,
    assessor: item.assessor ?? null,
    ...(e ? { contribution: { sourceWeight: e.sourceWeight, raw: e.raw, decay: e.decay, current: e.current, share: e.share } } : {}),
    ...(doc.retractedAt ? { retractedAt: doc.retractedAt.toISOString(), retractedBy: doc.retractedBy ?? null } : {}),
    ...(extra.reason ? { reason: extra.reason } : {}),
  };
}

export function timeToCompetencyView(t: TimeToCompetency) {
  return {
    start: iso(t.start),
    startSource: t.startSource,
    reachedAt: iso(t.reachedAt),
    durationMs: Number.isFinite(t.duration) ? t.duration : null,
    durationDays: Number.isFinite(t.duration) ? t.duration / 86_400_000 : null,
    censored: t.censored,
    renewals: t.renewals.map((v) => ({ kind: v.kind, levelId: v.levelId, validatedAt: iso(v.validatedAt), validUntil: iso(v.validUntil) })),
    revalidationsAfterExpiry: t.revalidationsAfterExpiry.map((v) => ({ kind: v.kind, levelId: v.levelId, validatedAt: iso(v.validatedAt), validUntil: iso(v.validUntil) })),
  };
}
