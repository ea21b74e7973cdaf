/**
 * Decisions for other systems: may a learner start content for a competency (its prerequisites
 * are validated now), and may they skip it (the competency itself is validated now, at the level
 * asked). Parents with a roll-up rule are judged by their roll-up.
 */
import type { Instant } from './clock';
import type { CompetencyState } from './evidence-types';
import { rollupCompetency, type CompetencyStanding } from './rollup';
import type { Framework } from './types';

export type DecisionCode =
  | 'UNKNOWN_COMPETENCY'
  | 'UNKNOWN_LEVEL'
  | 'PREREQUISITE_NOT_VALIDATED'
  | 'PREREQUISITE_EXPIRED'
  | 'NOT_VALIDATED'
  | 'VALIDATION_EXPIRED'
  | 'BELOW_LEVEL';

export interface DecisionReason {
  code: DecisionCode;
  competencyId: string;
  message: string;
}

export interface Decision {
  allowed: boolean;
  /** Why not (empty when allowed). */
  reasons: DecisionReason[];
  /** Competencies whose validation supports the decision. */
  met: string[];
}

export interface DecisionInput {
  framework: Framework;
  /** The learner's states by competency id. */
  states: ReadonlyMap<string, CompetencyState>;
  competencyId: string;
  now: Instant;
}

function unknown(competencyId: string): Decision {
  return {
    allowed: false,
    reasons: [{ code: 'UNKNOWN_COMPETENCY', competencyId, message: `competency "${competencyId}" is not in this framework` }],
    met: [],
  };
}

function notValidated(s: CompetencyStanding, prerequisite: boolean): DecisionReason {
  const expired = s.validatedAt !== null;
  const what = prerequisite ? 'prerequisite ' : '';
  if (expired) {
    return {
      code: prerequisite ? 'PREREQUISITE_EXPIRED' : 'VALIDATION_EXPIRED',
      competencyId: s.competencyId,
      message: `${what}"${s.competencyId}" was validated but the validation has expired; reassessment is needed`,
    };
  }
  return {
    code: prerequisite ? 'PREREQUISITE_NOT_VALIDATED' : 'NOT_VALIDATED',
    competencyId: s.competencyId,
    message: `${what}"${s.competencyId}" is not validated${s.missing.length > 0 ? ` (not yet: ${s.missing.join(', ')})` : ''}`,
  };
}

/**
 * Allowed when every direct prerequisite is validated now (at any level). Prerequisites of
 * prerequisites are not re-checked: validating a competency is the evidence that counts.
 */
export function mayStart(input: DecisionInput): Decision {
  const competency = input.framework.competencies.find((c) => c.id === input.competencyId);
  if (competency === undefined) return unknown(input.competencyId);
  const reasons: DecisionReason[] = [];
  const met: string[] = [];
  for (const id of competency.prerequisites ?? []) {
    if (!input.framework.competencies.some((c) => c.id === id)) {
      reasons.push({ code: 'UNKNOWN_COMPETENCY', competencyId: id, message: `prerequisite "${id}" is not in this framework` });
      continue;
    }
    const s = rollupCompetency({ ...input, competencyId: id });
    if (s.validated) met.push(id);
    else reasons.push(notValidated(s, true));
  }
  return { allowed: reasons.length === 0, reasons, met };
}

/**
 * Allowed when the competency itself is validated now at `levelId` or above.
 * @param input.levelId defaults to the top level of the competency's scale.
 */
export function maySkip(input: DecisionInput & { levelId?: string }): Decision {
  const competency = input.framework.competencies.find((c) => c.id === input.competencyId);
  if (competency === undefined) return unknown(input.competencyId);
  const levels = competency.scale.levels;
  const levelId = input.levelId ?? levels[levels.length - 1]?.id;
  const wanted = levels.findIndex((l) => l.id === levelId);
  if (wanted < 0) {
    return {
      allowed: false,
      reasons: [{ code: 'UNKNOWN_LEVEL', competencyId: competency.id, message: `"${String(levelId)}" is not a level of "${competency.id}"` }],
      met: [],
    };
  }
  const s = rollupCompetency(input);
  if (!s.validated) return { allowed: false, reasons: [notValidated(s, false)], met: [] };
  const have = levels.findIndex((l) => l.id === s.validatedLevel);
  if (have < wanted) {
    return {
      allowed: false,
      reasons: [{ code: 'BELOW_LEVEL', competencyId: competency.id, message: `validated at "${String(s.validatedLevel)}", below "${String(levelId)}"` }],
      met: [],
    };
  }
  return { allowed: true, reasons: [], met: [competency.id] };
}
