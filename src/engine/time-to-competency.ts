/**
 * Time-to-competency: from a defined start (role assignment, else the first evidence) to the
 * first validation at the target level, found by replaying the evidence. A learner not there yet
 * is censored at `now` (feed the durations to `survivalQuantiles`). Re-validations after an
 * expiry are listed separately and never move the first validation.
 */
import { toEpochMs, type Instant } from './clock';
import type { EpochMs, EvidenceItem, ScoringOptions, ValidationEvent } from './evidence-types';
import type { SurvivalDuration } from './kaplan-meier';
import { rollupCompetency } from './rollup';
import { computeState } from './score';
import type { Competency, Framework } from './types';

/** Where the clock started. */
export type StartSource = 'role-assignment' | 'first-evidence';

export interface TimeToCompetency extends SurvivalDuration {
  start: EpochMs | null;
  startSource: StartSource | null;
  /** First validation at or above the target level, `null` if none yet. */
  reachedAt: EpochMs | null;
  /**
   * `reachedAt − start` (0 when already validated at the start), or `now − start` when
   * censored; `NaN` without a start (no assignment and no evidence).
   */
  duration: number;
  /** Validations at or above the target that followed an expiry, oldest first. */
  revalidationsAfterExpiry: ValidationEvent[];
  /** Renewals at or above the target before expiry, oldest first. */
  renewals: ValidationEvent[];
}

export interface TimeToCompetencyInput extends ScoringOptions {
  competency: Competency;
  learnerId: string;
  evidence: readonly EvidenceItem[];
  targetLevel: string;
  /** When the learner was assigned the role; absent means "from the first evidence". */
  assignedAt?: Instant | null;
  now: Instant;
}

function result(args: {
  start: EpochMs | null;
  startSource: StartSource | null;
  reachedAt: EpochMs | null;
  now: EpochMs;
  events?: readonly ValidationEvent[];
  atOrAbove?: (e: ValidationEvent) => boolean;
}): TimeToCompetency {
  const { start, reachedAt, now } = args;
  const duration = start === null ? NaN : reachedAt === null ? now - start : Math.max(0, reachedAt - start);
  const after = (args.events ?? []).filter((e) => (args.atOrAbove ?? (() => true))(e));
  return {
    start,
    startSource: args.startSource,
    reachedAt,
    duration,
    censored: reachedAt === null,
    revalidationsAfterExpiry: after.filter((e) => e.kind === 'after-expiry'),
    renewals: after.filter((e) => e.kind === 'renewal'),
  };
}

function startOf(assignedAt: Instant | null | undefined, firstEvidence: EpochMs | undefined) {
  if (assignedAt !== undefined && assignedAt !== null) {
    return { start: toEpochMs(assignedAt), startSource: 'role-assignment' as const };
  }
  if (firstEvidence !== undefined) return { start: firstEvidence, startSource: 'first-evidence' as const };
  return { start: null, startSource: null };
}

/** Time to the first validation of one competency at `targetLevel` or above. */
export function timeToCompetency(input: TimeToCompetencyInput): TimeToCompetency {
  const now = toEpochMs(input.now);
  const levels = input.competency.scale.levels;
  const target = levels.findIndex((l) => l.id === input.targetLevel);
  if (target < 0) throw new RangeError(`"${input.targetLevel}" is not a level of "${input.competency.id}"`);
  const state = computeState({ ...input, now });
  const atOrAbove = (e: ValidationEvent) => levels.findIndex((l) => l.id === e.levelId) >= target;
  const mine = input.evidence.filter(
    (e) => e.learnerId === input.learnerId && e.competencyId === input.competency.id && e.observedAt <= now,
  );
  const first = mine.length === 0 ? undefined : Math.min(...mine.map((e) => e.observedAt));
  const reachedAt = state.firstValidatedAt[input.targetLevel] ?? null;
  const later = state.validations.filter((e) => reachedAt !== null && e.validatedAt > reachedAt);
  return result({ ...startOf(input.assignedAt, first), reachedAt, now, events: later, atOrAbove });
}

export interface TimeToRoleInput extends ScoringOptions {
  framework: Framework;
  roleId: string;
  learnerId: string;
  evidence: readonly EvidenceItem[];
  assignedAt?: Instant | null;
  now: Instant;
}

export interface TimeToRole extends SurvivalDuration {
  start: EpochMs | null;
  startSource: StartSource | null;
  /** First moment every requirement was validated at its target level at once. */
  readyAt: EpochMs | null;
  duration: number;
}

/**
 * Time until the learner first met every requirement of a role at the same time (roll-up
 * parents judged by their roll-up). Readiness can only begin at a validation, so the evidence is
 * replayed at each validation time of the competencies involved.
 */
export function timeToRole(input: TimeToRoleInput): TimeToRole {
  const now = toEpochMs(input.now);
  const { framework } = input;
  const role = framework.roles.find((r) => r.id === input.roleId);
  if (role === undefined) throw new RangeError(`unknown role "${input.roleId}"`);
  const involved = leavesUnder(framework, role.requirements.map((q) => q.competencyId));
  const statesAt = (t: EpochMs) =>
    new Map(involved.map((c) => [c.id, computeState({ ...input, competency: c, now: t })] as const));
  const candidates = new Set<EpochMs>();
  for (const s of statesAt(now).values()) for (const v of s.validations) candidates.add(v.validatedAt);
  let readyAt: EpochMs | null = null;
  for (const t of [...candidates].sort((a, b) => a - b)) {
    const states = statesAt(t);
    const ready = role.requirements.every((q) => {
      const standing = rollupCompetency({ framework, states, competencyId: q.competencyId, now: t });
      const levels = framework.competencies.find((c) => c.id === q.competencyId)?.scale.levels ?? [];
      const have = levels.findIndex((l) => l.id === standing.validatedLevel);
      return standing.validated && have >= levels.findIndex((l) => l.id === q.targetLevel);
    });
    if (ready) {
      readyAt = t;
      break;
    }
  }
  const ids = new Set(involved.map((c) => c.id));
  const times = input.evidence
    .filter((e) => e.learnerId === input.learnerId && ids.has(e.competencyId) && e.observedAt <= now)
    .map((e) => e.observedAt);
  const { start, startSource } = startOf(input.assignedAt, times.length === 0 ? undefined : Math.min(...times));
  const duration = start === null ? NaN : readyAt === null ? now - start : Math.max(0, readyAt - start);
  return { start, startSource, readyAt, duration, censored: readyAt === null };
}

// The competencies scored from their own evidence under the given ids (roll-up parents expand
// to their children, recursively).
function leavesUnder(framework: Framework, ids: readonly string[]): Competency[] {
  const out = new Map<string, Competency>();
  const visit = (id: string, depth: number): void => {
    const c = framework.competencies.find((x) => x.id === id);
    if (c === undefined || depth > framework.competencies.length) return;
    if (c.rollup === undefined) {
      out.set(c.id, c);
      return;
    }
    for (const child of framework.competencies) if (child.parentId === c.id && child.id !== c.id) visit(child.id, depth + 1);
  };
  for (const id of ids) visit(id, 0);
  return [...out.values()];
}
